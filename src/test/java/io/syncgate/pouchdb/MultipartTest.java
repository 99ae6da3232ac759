package io.syncgate.pouchdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sync Gateway's multipart answers, read as they stream: re-encoded as JSON, or passed on filtered. */
class MultipartTest {

  private static final byte[] BIG = new byte[300];

  static {
    new Random(3).nextBytes(BIG);
    // Bytes that look like the start of a delimiter, but are not one.
    System.arraycopy("\r\n--R-not-it\r\n--B".getBytes(StandardCharsets.US_ASCII), 0, BIG, 100, 17);
  }

  /** What SG 4 writes for three requested revisions: found, missing, and found with attachments. */
  private static byte[] sgAnswer() {
    Buffer body = Buffer.buffer()
        .appendString("--B\r\nContent-Type: application/json\r\n\r\n")
        .appendString("{\"_cv\":\"1@s\",\"_id\":\"a\",\"_rev\":\"1-a\",\"n\":1}\r\n")
        .appendString("--B\r\nContent-Type: application/json; error=\"true\"\r\n\r\n")
        .appendString("{\"error\":\"not_found\",\"id\":\"x\",\"reason\":\"missing\",\"rev\":\"1-x\",\"status\":404}\r\n")
        .appendString("--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n")
        .appendString("--R\r\nContent-Type: application/json\r\n\r\n")
        .appendString("{\"_attachments\":{\"big.bin\":{\"content_type\":\"application/octet-stream\",\"digest\":\"md5-x\","
            + "\"follows\":true,\"length\":300,\"revpos\":1},\"small.txt\":{\"content_type\":\"text/plain\",\"data\":\"aGk=\","
            + "\"digest\":\"md5-y\",\"length\":2,\"revpos\":1}},\"_cv\":\"2@s\",\"_id\":\"b\",\"_rev\":\"1-b\"}")
        .appendString("\r\n--R\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Disposition: attachment; filename=\"big.bin\"\r\n\r\n")
        .appendBytes(BIG)
        .appendString("\r\n--R--\r\n--B--\r\n");
    return body.getBytes();
  }

  private static String run(Transform transform, byte[] bytes, int chunk) {
    return Chunked.run(transform, bytes, chunk, StandardCharsets.ISO_8859_1);
  }


  @Test
  void bulkGetIsReEncodedAsCouchDbJsonWithFollowingAttachmentsInlineInAnyChunking() throws Exception {
    byte[] answer = sgAnswer();
    String whole = run(new BulkGetEncoder("B"), answer, answer.length);
    for (int chunk = 1; chunk < 80; chunk++) {
      assertThat(run(new BulkGetEncoder("B"), answer, chunk)).as("chunks of %d", chunk).isEqualTo(whole);
    }

    JsonNode results = new ObjectMapper().readTree(whole).get("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).toString()).isEqualTo("{\"docs\":[{\"ok\":{\"_id\":\"a\",\"_rev\":\"1-a\",\"n\":1}}],\"id\":\"a\"}");
    assertThat(results.get(1).get("docs").get(0).get("error").get("reason").asText()).isEqualTo("missing");
    assertThat(results.get(1).get("id").asText()).isEqualTo("x");
    JsonNode b = results.get(2).get("docs").get(0).get("ok");
    assertThat(b.has("_cv")).isFalse();
    assertThat(b.get("_rev").asText()).isEqualTo("1-b");
    JsonNode big = b.get("_attachments").get("big.bin");
    assertThat(big.has("follows")).isFalse();
    assertThat(big.get("digest").asText()).isEqualTo("md5-x");
    assertThat(Base64.getDecoder().decode(big.get("data").asText())).isEqualTo(BIG);
    assertThat(b.get("_attachments").get("small.txt").get("data").asText()).isEqualTo("aGk=");
  }

  @Test
  void aMultipartClientGetsSgsAnswerWithOnlyTheForbiddenMembersGone() {
    byte[] answer = sgAnswer();
    String expected = new String(answer, StandardCharsets.ISO_8859_1)
        .replace("\"_cv\":\"1@s\",", "").replace(",\"_cv\":\"2@s\"", "");
    for (int chunk : new int[] {1, 2, 3, 5, 7, 16, 61, answer.length}) {
      assertThat(run(new MultipartFilter("B", false, false), answer, chunk)).as("chunks of %d", chunk).isEqualTo(expected);
    }
  }

  @Test
  void aTruncatedAnswerFailsRatherThanEndingAsValidJson() {
    byte[] answer = sgAnswer();
    byte[] truncated = java.util.Arrays.copyOf(answer, answer.length - 10);
    assertThatThrownBy(() -> run(new BulkGetEncoder("B"), truncated, 100)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void attachmentNamesAreReadAsSyncGatewayQuotesThem() throws Exception {
    byte[] answer = Buffer.buffer()
        .appendString("--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n--R\r\nContent-Type: application/json\r\n\r\n")
        .appendString("{\"_id\":\"c\",\"_attachments\":{\"\u00e9 \\\"t\\tx\\\".txt\":{\"follows\":true,\"length\":3}}}")
        .appendString("\r\n--R\r\nContent-Disposition: attachment; filename=\"\u00e9 \\\"t\\tx\\\".txt\"\r\n\r\nabc\r\n--R--\r\n--B--\r\n")
        .getBytes();

    JsonNode doc = new ObjectMapper().readTree(run(new BulkGetEncoder("B"), answer, 7).getBytes(StandardCharsets.ISO_8859_1))
        .get("results").get(0).get("docs").get(0).get("ok");

    assertThat(doc.get("_attachments").properties()).hasSize(1);
    assertThat(doc.get("_attachments").get("\u00e9 \"t\tx\".txt").get("data").asText()).isEqualTo("YWJj");
    assertThat(BulkGetEncoder.goUnquote("\"\\xc3\\xa9\\u00e9\\U0001F600\\101\"")).isEqualTo("\u00e9\u00e9\uD83D\uDE00A");
  }

  @Test
  void partsThatAreNotOneJsonDocumentFailTheAnswerInsteadOfMakingBadJson() {
    for (String part : new String[] {"", "{\"_id\":\"a\"} {\"_id\":\"b\"}", "[1]", "{\"_id\":"}) {
      byte[] answer = ("--B\r\nContent-Type: application/json\r\n\r\n" + part + "\r\n--B--\r\n")
          .getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> run(new BulkGetEncoder("B"), answer, 3)).as(part).isInstanceOf(IllegalStateException.class);
    }
    byte[] emptyError = "--B\r\nContent-Type: application/json; error=\"true\"\r\n\r\n\r\n--B--\r\n"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> run(new BulkGetEncoder("B"), emptyError, 3)).isInstanceOf(IllegalStateException.class);
    byte[] strayAttachment = ("--B\r\nContent-Type: multipart/related; boundary=R\r\n\r\n--R\r\n\r\n{\"_id\":\"d\"}"
        + "\r\n--R\r\nContent-Disposition: attachment; filename=\"x\"\r\n\r\nabc\r\n--R--\r\n--B--\r\n")
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> run(new BulkGetEncoder("B"), strayAttachment, 5)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void endlessPaddingAfterADelimiterIsRefusedNotBuffered() {
    byte[] answer = ("--B\r\nContent-Type: application/json\r\n\r\n{}\r\n--B" + " ".repeat(10_000))
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> run(new BulkGetEncoder("B"), answer, 100)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void boundariesAreReadQuotedOrNot() {
    assertThat(MultipartReader.boundary("multipart/mixed; boundary=\"abc def\"")).isEqualTo("abc def");
    assertThat(MultipartReader.boundary("multipart/mixed;boundary=abc")).isEqualTo("abc");
    assertThat(MultipartReader.boundary("application/json")).isNull();
    assertThat(BulkGetEncoder.filename("attachment; filename=\"a \\\"b\\\".txt\"")).isEqualTo("a \"b\".txt");
  }

  @Test
  void inARelatedBodyOnlyTheFirstPartIsADocumentWhateverTheOthersAreLabelled() {
    String json = "{\"_cv\":\"9@s\",\"_id\":\"evil\",\"a\":1}";
    String nested = "--zzz\r\nContent-Type: application/json\r\n\r\n{\"_cv\":1}\r\n--zzz--\r\n";
    String related = "--R\r\nContent-Type: application/json\r\n\r\n{\"_cv\":\"2@s\",\"_id\":\"b\"}"
        + "\r\n--R\r\nContent-Type: application/json\r\nContent-Disposition: attachment; filename=\"a.json\"\r\n\r\n" + json
        + "\r\n--R\r\nContent-Type: multipart/related; boundary=zzz\r\nContent-Disposition: attachment; filename=\"m\"\r\n\r\n"
        + nested + "\r\n--R--";
    String mixed = "--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n" + related
        + "\r\n--B\r\nContent-Type: application/json\r\n\r\n{\"_cv\":\"3@s\",\"_id\":\"c\"}\r\n--B--\r\n";
    byte[] answer = mixed.getBytes(StandardCharsets.ISO_8859_1);
    String expected = mixed.replace("\"_cv\":\"2@s\",", "").replace("\"_cv\":\"3@s\",", "");
    for (int chunk : new int[] {1, 3, 17, answer.length}) {
      assertThat(run(new MultipartFilter("B", false, false), answer, chunk)).as("chunks of %d", chunk).isEqualTo(expected);
    }
    byte[] alone = (related + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    assertThat(run(new MultipartFilter("R", false, true), alone, 5))
        .isEqualTo((related + "\r\n").replace("\"_cv\":\"2@s\",", ""));
  }
}
