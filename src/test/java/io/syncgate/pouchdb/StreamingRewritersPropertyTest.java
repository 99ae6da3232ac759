package io.syncgate.pouchdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncgate.pouchdb.DocumentFilter.Shape;
import io.syncgate.pouchdb.JsonDocuments.Members;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Properties of the streaming rewriters over generated documents, with fixed seeds (a failure names
 * its seed): however the bytes are cut into chunks, the output says what the input said less
 * exactly the members removed; input that is not JSON, or not UTF-8, fails that body alone,
 * without holding it.
 */
class StreamingRewritersPropertyTest {

  /** Feeds {@code bytes} cut at {@code cuts} (sorted offsets) and returns the output. */
  private static byte[] run(Transform transform, byte[] bytes, int[] cuts) {
    Buffer out = Buffer.buffer();
    int from = 0;
    for (int cut : cuts) {
      transform.feed(Buffer.buffer().appendBytes(bytes, from, cut - from), out::appendBuffer);
      from = cut;
    }
    transform.feed(Buffer.buffer().appendBytes(bytes, from, bytes.length - from), out::appendBuffer);
    transform.end(out::appendBuffer);
    return out.getBytes();
  }

  /** Every single cut for short input; otherwise as many random cuts, a few chunkings of each. */
  private static List<int[]> chunkings(byte[] bytes, Random random) {
    List<int[]> chunkings = new ArrayList<>();
    chunkings.add(new int[0]);
    if (bytes.length <= 400) {
      for (int cut = 1; cut < bytes.length; cut++) {
        chunkings.add(new int[] {cut});
      }
      int[] everyByte = new int[Math.max(0, bytes.length - 1)];
      Arrays.setAll(everyByte, i -> i + 1);
      chunkings.add(everyByte);
    } else {
      for (int i = 0; i < 8; i++) {
        TreeSet<Integer> cuts = new TreeSet<>();
        int count = 1 + random.nextInt(Math.min(bytes.length - 1, 200));
        while (cuts.size() < count) {
          cuts.add(1 + random.nextInt(bytes.length - 1));
        }
        chunkings.add(cuts.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return chunkings;
  }

  @Test
  void aFilteredDocumentSaysWhatItSaidLessExactlyTheRefusedTopLevelMembersHoweverItIsCut() {
    Seeds.each(1, 300, random -> {
      byte[] input = new JsonDocuments(random, 1 + random.nextInt(40)).document().getBytes(StandardCharsets.UTF_8);
      Members expected = JsonDocuments.withoutRefused((Members) JsonDocuments.parse(input));
      for (int[] cuts : chunkings(input, random)) {
        byte[] output = run(new DocumentFilter(Shape.DOCUMENT), input, cuts);
        assertThat(JsonDocuments.parse(output)).as("cut at %s", Arrays.toString(cuts)).isEqualTo(expected);
      }
    });
  }

  @Test
  void aFeedOfGeneratedDocumentsLosesOnlyTheirRefusedMembers() {
    Seeds.each(1_000, 100, random -> {
      JsonDocuments documents = new JsonDocuments(random, 12);
      StringBuilder feed = new StringBuilder("{\"results\":[");
      int count = 1 + random.nextInt(5);
      for (int i = 0; i < count; i++) {
        feed.append(i > 0 ? "," : "").append("{\"seq\":").append(i).append(",\"doc\":").append(documents.document()).append('}');
      }
      byte[] input = feed.append("],\"last_seq\":\"9\"}").toString().getBytes(StandardCharsets.UTF_8);
      Members whole = (Members) JsonDocuments.parse(input);
      List<Object> entries = new ArrayList<>();
      for (Object entry : (List<?>) whole.members().get(0).getValue()) {
        List<Map.Entry<String, Object>> members = new ArrayList<>(((Members) entry).members());
        members.set(1, Map.entry("doc", JsonDocuments.withoutRefused((Members) members.get(1).getValue())));
        entries.add(new Members(members));
      }
      Members expected = new Members(List.of(Map.entry("results", entries), whole.members().get(1)));
      for (int[] cuts : chunkings(input, random)) {
        assertThat(JsonDocuments.parse(run(new DocumentFilter(Shape.FEED), input, cuts))).isEqualTo(expected);
      }
    });
  }

  @Test
  void jsonBulkGetCarriesEachGeneratedDocumentAndEveryAttachmentByteHoweverSgsAnswerIsCut() {
    Seeds.each(5_000, 150, random -> {
      Map<String, byte[]> following = new LinkedHashMap<>();
      StringBuilder attachments = new StringBuilder("{");
      int count = random.nextInt(6);
      Map<String, String> types = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = "att-" + i + (random.nextBoolean() ? ".json" : "\u00e9.bin");
        boolean follows = random.nextBoolean();
        // Following entries' metadata is kept until their part comes, so only inline ones carry megabytes.
        String type = !follows && random.nextInt(3) == 0 ? "t".repeat(20_000 + random.nextInt(60_000)) : "application/json";
        types.put(name, type);
        attachments.append(i > 0 ? "," : "").append('"').append(name).append("\":{\"content_type\":\"").append(type).append('"');
        if (follows) {
          byte[] bytes = new byte[201 + random.nextInt(3000)];
          random.nextBytes(bytes);
          following.put(name, bytes);
          attachments.append(",\"digest\":\"md5-").append(i).append("\",\"follows\":true,\"length\":").append(bytes.length)
              .append(",\"revpos\":1}");
        } else {
          attachments.append(",\"data\":\"aGk=\",\"digest\":\"md5-").append(i).append("\",\"length\":2}");
        }
      }
      attachments.append('}');
      String body;
      do {
        body = new JsonDocuments(random, 8).document();
      } while (body.contains("\"_attachments\""));
      boolean empty = body.replaceAll("\\s", "").equals("{}");
      // _attachments anywhere among the members: first, or after the others.
      String document = random.nextBoolean()
          ? "{\"_attachments\":" + attachments + (empty ? "}" : "," + body.substring(1))
          : body.substring(0, body.lastIndexOf('}')) + (empty ? "" : ",") + "\"_attachments\":" + attachments + "}";
      Buffer sg = Buffer.buffer("--B\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n--R\r\nContent-Type: application/json\r\n\r\n")
          .appendString(document);
      for (Map.Entry<String, byte[]> part : following.entrySet()) {
        sg.appendString("\r\n--R\r\nContent-Type: application/json\r\nContent-Disposition: attachment; filename=\"")
            .appendString(part.getKey()).appendString("\"\r\n\r\n").appendBytes(part.getValue());
      }
      byte[] input = sg.appendString("\r\n--R--\r\n--B--\r\n").getBytes();
      Members expected = withoutMember(JsonDocuments.withoutRefused(
          (Members) JsonDocuments.parse(document.getBytes(StandardCharsets.UTF_8))), "_attachments");
      List<int[]> chunkings = chunkings(input, random);
      for (int[] cuts : chunkings.subList(0, Math.min(chunkings.size(), 6))) {
        Members results = (Members) JsonDocuments.parse(run(new BulkGetEncoder("B"), input, cuts));
        Members result = (Members) ((List<?>) member(results, "results")).get(0);
        Members ok = (Members) member((Members) ((List<?>) member(result, "docs")).get(0), "ok");
        assertThat(withoutMember(ok, "_attachments")).as("cut at %s", Arrays.toString(cuts)).isEqualTo(expected);
        Members atts = (Members) member(ok, "_attachments");
        assertThat(atts.members()).hasSize(count);
        for (Map.Entry<String, String> type : types.entrySet()) {
          Members entry = (Members) member(atts, type.getKey());
          assertThat(member(entry, "content_type")).isEqualTo(type.getValue());
          assertThat(member(entry, "follows")).isNull();
          byte[] bytes = following.getOrDefault(type.getKey(), "hi".getBytes(StandardCharsets.US_ASCII));
          assertThat(Base64.getDecoder().decode((String) member(entry, "data"))).isEqualTo(bytes);
        }
      }
    });
  }

  private static Object member(Members object, String name) {
    return object.members().stream().filter(m -> m.getKey().equals(name)).map(Map.Entry::getValue).findFirst().orElse(null);
  }

  private static Members withoutMember(Members object, String name) {
    return new Members(object.members().stream().filter(m -> !m.getKey().equals(name)).toList());
  }

  @Test
  void bytesThatAreNotUtf8FailTheBodyWhereverTheyStand() {
    byte[][] bad = {{(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0x80}, {(byte) 0xe2, (byte) 0x82}, {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xff}};
    Seeds.each(20_000, 100, random -> {
      String text;
      do {
        text = new JsonDocuments(random, 6).document();
      } while (text.indexOf('"') < 0);
      byte[] valid = text.getBytes(StandardCharsets.UTF_8);
      int at = new String(valid, 0, valid.length, StandardCharsets.ISO_8859_1).indexOf('"') + 1;
      byte[] sequence = bad[random.nextInt(bad.length)];
      byte[] input = new byte[valid.length + sequence.length];
      System.arraycopy(valid, 0, input, 0, at);
      System.arraycopy(sequence, 0, input, at, sequence.length);
      System.arraycopy(valid, at, input, at + sequence.length, valid.length - at);
      for (int[] cuts : chunkings(input, random).subList(0, 4)) {
        assertThatThrownBy(() -> run(new DocumentFilter(Shape.DOCUMENT), input, cuts))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("UTF-8");
      }
      // The next body, on a filter of its own, is not touched by the last one's failure.
      assertThat(JsonDocuments.parse(run(new DocumentFilter(Shape.DOCUMENT), valid, new int[0])))
          .isEqualTo(JsonDocuments.withoutRefused((Members) JsonDocuments.parse(valid)));
    });
  }

  @Test
  void truncatedJsonFailsTheBodyAtItsEnd() {
    Seeds.each(30_000, 100, random -> {
      byte[] valid = new JsonDocuments(random, 6).document().getBytes(StandardCharsets.UTF_8);
      byte[] truncated = Arrays.copyOf(valid, random.nextInt(valid.length - 1) + 1);
      assertThatThrownBy(() -> run(new DocumentFilter(Shape.ONE_DOCUMENT), truncated, new int[0]))
          .isInstanceOf(IllegalStateException.class);
    });
  }

  @Test
  void nestingPastTenThousandFailsBeforeAnythingIsHeld() {
    DocumentFilter filter = new DocumentFilter(Shape.DOCUMENT);
    Buffer opening = Buffer.buffer("{\"a\":" + "[".repeat(1000));
    long[] passed = {0};
    assertThatThrownBy(() -> {
      for (int i = 0; i < 1000; i++) {
        filter.feed(opening.copy(), b -> passed[0] += b.length());
      }
    }).isInstanceOf(IllegalStateException.class).hasMessageContaining("nests deeper than 10000");
    // Everything before the failing byte was passed on, nothing kept.
    assertThat(passed[0]).isGreaterThan(9_000);
    Buffer deepButAllowed = Buffer.buffer("[".repeat(JsonScanner.MAX_DEPTH) + "]".repeat(JsonScanner.MAX_DEPTH));
    assertThat(Chunked.run(new DocumentFilter(Shape.FEED), deepButAllowed.getBytes(), 777, StandardCharsets.US_ASCII))
        .hasSize(2 * JsonScanner.MAX_DEPTH);
  }
}
