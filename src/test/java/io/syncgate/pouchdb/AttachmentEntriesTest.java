package io.syncgate.pouchdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A document's {@code _attachments} re-encoded for a JSON {@code _bulk_get} without being held:
 * huge metadata of inline entries streams through, only what following parts need is kept, and a
 * document past a bound fails alone.
 */
class AttachmentEntriesTest {

  private static final byte[] FOLLOWING = new byte[5000];

  static {
    new Random(5).nextBytes(FOLLOWING);
  }

  /** SG's answer for one document: {@code inline} entries as written, then one following attachment. */
  private static byte[] answer(String inline, String after) {
    return Buffer.buffer()
        .appendString("--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n")
        .appendString("--R\r\nContent-Type: application/json\r\n\r\n")
        .appendString("{\"_attachments\":{\"big.bin\":{\"content_type\":\"application/octet-stream\",\"digest\":\"md5-x\","
            + "\"follows\":true,\"length\":5000,\"revpos\":1}" + inline + "},\"_id\":\"doc\",\"_rev\":\"1-a\"" + after + "}")
        .appendString("\r\n--R\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n")
        .appendBytes(FOLLOWING)
        .appendString("\r\n--R--\r\n--B--\r\n").getBytes();
  }

  private static String inline(int count, int typeLength) {
    StringBuilder entries = new StringBuilder();
    for (int i = 0; i < count; i++) {
      entries.append(",\"s").append(i).append(".txt\":{\"content_type\":\"").append("t".repeat(typeLength))
          .append("\",\"data\":\"aGk=\",\"digest\":\"md5-").append(i).append("\",\"length\":2,\"revpos\":1}");
    }
    return entries.toString();
  }

  private static JsonNode document(byte[] answer, int chunk) throws Exception {
    String out = Chunked.run(new BulkGetEncoder("B"), answer, chunk, StandardCharsets.UTF_8);
    return new ObjectMapper().readTree(out).get("results").get(0).get("docs").get(0).get("ok");
  }

  private static void assertWhole(JsonNode doc, int inline, int typeLength) {
    assertThat(doc.get("_id").asText()).isEqualTo("doc");
    assertThat(doc.get("_rev").asText()).isEqualTo("1-a");
    JsonNode attachments = doc.get("_attachments");
    assertThat(attachments.size()).isEqualTo(inline + 1);
    JsonNode big = attachments.get("big.bin");
    assertThat(big.has("follows")).isFalse();
    assertThat(big.get("content_type").asText()).isEqualTo("application/octet-stream");
    assertThat(big.get("digest").asText()).isEqualTo("md5-x");
    assertThat(Base64.getDecoder().decode(big.get("data").asText())).isEqualTo(FOLLOWING);
    for (int i = 0; i < inline; i++) {
      JsonNode small = attachments.get("s" + i + ".txt");
      assertThat(small.get("content_type").asText()).hasSize(typeLength);
      assertThat(small.get("data").asText()).isEqualTo("aGk=");
    }
  }

  @Test
  void fewSmallInlineEntriesAreWrittenAfterTheDocumentInAnyChunking() throws Exception {
    byte[] answer = answer(inline(3, 10), ",\"n\":1");
    for (int chunk : new int[] {1, 2, 3, 7, 64, 1000, answer.length}) {
      JsonNode doc = document(answer, chunk);
      assertWhole(doc, 3, 10);
      assertThat(doc.get("n").asInt()).isEqualTo(1);
    }
  }

  @Test
  void inlineEntriesWithMegabytesOfContentTypesStreamInPlaceWhileTheRestWaitsForTheFollowingPart() throws Exception {
    int typeLength = 1024 * 1024;
    byte[] answer = answer(inline(8, typeLength), ",\"n\":1");
    JsonNode doc = document(answer, 8192);
    assertWhole(doc, 8, typeLength);
    assertThat(doc.get("n").asInt()).isEqualTo(1);
  }

  @Test
  void theContentTypesPassOnBeforeTheDocumentEndsSoTheyAreNeverHeld() {
    int typeLength = 1024 * 1024;
    byte[] answer = answer(inline(8, typeLength), "");
    int json = new String(answer, StandardCharsets.ISO_8859_1).indexOf("},\"_id\"");
    BulkGetEncoder encoder = new BulkGetEncoder("B");
    long[] passed = {0};
    for (int at = 0; at < json; at += 8192) {
      encoder.feed(Buffer.buffer().appendBytes(Arrays.copyOfRange(answer, at, Math.min(json, at + 8192))),
          b -> passed[0] += b.length());
    }
    // All but the last undecided bytes of the eight content types are already on their way.
    assertThat(passed[0]).isGreaterThan(8L * typeLength - 2 * AttachmentEntries.MAX_UNDECIDED_ENTRY);
  }

  @Test
  void followingMetadataPastItsBoundFailsTheDocument() {
    byte[] answer = Buffer.buffer()
        .appendString("--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n--R\r\nContent-Type: application/json\r\n\r\n")
        .appendString("{\"_attachments\":{\"big.bin\":{\"follows\":true,\"x\":\"" + "y".repeat(70 * 1024) + "\"}},\"_id\":\"d\"}")
        .appendString("\r\n--R--\r\n--B--\r\n").getBytes();
    assertThatThrownBy(() -> Chunked.run(new BulkGetEncoder("B"), answer, 4096, StandardCharsets.UTF_8))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("KiB of metadata");
  }

  @Test
  void aFollowingEntryWhoseKindComesPastTheUndecidedBoundFailsTheDocument() {
    byte[] answer = answer(",\"late.bin\":{\"content_type\":\"" + "t".repeat(70 * 1024) + "\",\"follows\":true}", "");
    assertThatThrownBy(() -> Chunked.run(new BulkGetEncoder("B"), answer, 4096, StandardCharsets.UTF_8))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("an attachment that follows has over");
  }

  @Test
  void aDocumentHeldPastItsBoundWhileAttachmentsFollowFailsTheDocument() {
    byte[] answer = answer(inline(1, 100 * 1024), ",\"n\":\"" + "z".repeat(DocumentFilter.MAX_HELD_BYTES) + "\"");
    assertThatThrownBy(() -> Chunked.run(new BulkGetEncoder("B"), answer, 8192, StandardCharsets.UTF_8))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("held while its attachments follow");
  }

  @Test
  void aBigDocumentBodyStreamsWhenTheInlineEntriesAreFew() throws Exception {
    byte[] answer = answer(inline(2, 10), ",\"n\":\"" + "z".repeat(3 * DocumentFilter.MAX_HELD_BYTES) + "\"");
    assertWhole(document(answer, 8192), 2, 10);
  }
}
