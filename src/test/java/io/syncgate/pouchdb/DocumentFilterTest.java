package io.syncgate.pouchdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncgate.pouchdb.DocumentFilter.Shape;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DocumentFilterTest {

  /** Runs {@code json} through a filter in chunks of every size from 1 byte up, and checks each gives one answer. */
  private static String filter(Shape shape, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String whole = run(new DocumentFilter(shape), bytes, bytes.length);
    for (int size = 1; size <= Math.min(bytes.length, 40); size++) {
      assertThat(run(new DocumentFilter(shape), bytes, size)).as("fed in chunks of %d bytes", size).isEqualTo(whole);
    }
    return whole;
  }

  private static String run(DocumentFilter filter, byte[] bytes, int chunk) {
    return Chunked.run(filter, bytes, chunk, StandardCharsets.UTF_8);
  }


  @Test
  void sg4CurrentVersionIsCutFromADocumentWhereverItStands() {
    assertThat(filter(Shape.DOCUMENT, "{\"_id\":\"a\",\"_rev\":\"1-x\",\"_cv\":\"185@src/Q\",\"n\":1}"))
        .isEqualTo("{\"_id\":\"a\",\"_rev\":\"1-x\",\"n\":1}");
    assertThat(filter(Shape.DOCUMENT, "{\"_cv\":\"185@src/Q\",\"_id\":\"a\"}")).isEqualTo("{\"_id\":\"a\"}");
    assertThat(filter(Shape.DOCUMENT, "{\"_id\":\"a\",\"_cv\":\"185@src/Q\"}")).isEqualTo("{\"_id\":\"a\"}");
    assertThat(filter(Shape.DOCUMENT, "{\"_cv\":\"185@src/Q\"}")).isEqualTo("{}");
    assertThat(filter(Shape.DOCUMENT, "{ \"_cv\" : \"1@s\" , \"_exp\" : \"2030\" , \"a\" : [1, {\"_cv\":2}] }"))
        .isEqualTo("{ \"a\" : [1, {\"_cv\":2}] }");
  }

  @Test
  void everyMemberPouchDbAcceptsAndEveryByteOfUserDataPassesUnchanged() {
    String doc = "{\"_id\":\"x\",\"_rev\":\"2-b\",\"_deleted\":true,\"_removed\":true,\"_revisions\":{\"start\":2,"
        + "\"ids\":[\"b\",\"a\"]},\"_attachments\":{\"f\":{\"stub\":true,\"digest\":\"md5-x\",\"_cv\":1}},"
        + "\"big\":12345678901234567890123,\"float\":1.50e+3,\"text\":\"\\u00e9\\\"}\",\"nested\":{\"_cv\":\"kept\"}}";
    assertThat(filter(Shape.DOCUMENT, doc)).isEqualTo(doc);
  }

  @Test
  void openRevsArraysAreFilteredInsideEachOk() {
    assertThat(filter(Shape.DOCUMENT, "[\n{\"ok\":{\"_id\":\"a\",\"_cv\":\"1@s\",\"_rev\":\"1-a\"}},{\"missing\":\"2-b\"}]"))
        .isEqualTo("[\n{\"ok\":{\"_id\":\"a\",\"_rev\":\"1-a\"}},{\"missing\":\"2-b\"}]");
  }

  @Test
  void feedsKeepTheirShapeAndOnlyTheirDocumentsLoseMembers() {
    String changes = "{\"results\":[\r\n{\"seq\":1,\"id\":\"a\",\"_cv\":\"entry\",\"doc\":{\"_id\":\"a\",\"_cv\":\"1@s\"},"
        + "\"changes\":[{\"rev\":\"1-a\"}]}\n,{\"seq\":\"2:5\",\"id\":\"b\",\"changes\":[]}],\n\"last_seq\":\"5\"}\n";
    assertThat(filter(Shape.FEED, changes)).isEqualTo(changes.replace(",\"_cv\":\"1@s\"", ""));
    String allDocs = "{\"rows\":[{\"id\":\"a\",\"value\":{\"rev\":\"1-a\",\"cv\":\"1@s\"},\"doc\":{\"_cv\":\"1@s\",\"_id\":\"a\"}}]}";
    assertThat(filter(Shape.FEED, allDocs)).isEqualTo(allDocs.replace("\"_cv\":\"1@s\",", ""));
    String bulkGet = "{\"results\":[{\"id\":\"a\",\"docs\":[{\"ok\":{\"_id\":\"a\",\"_cv\":\"1@s\"}},{\"error\":{\"id\":\"a\"}}]}]}";
    assertThat(filter(Shape.FEED, bulkGet)).isEqualTo(bulkGet.replace(",\"_cv\":\"1@s\"", ""));
  }

  @Test
  void aContinuousFeedStreamsLineByLineWithItsHeartbeats() {
    DocumentFilter filter = new DocumentFilter(Shape.FEED);
    StringBuilder out = new StringBuilder();
    filter.feed(Buffer.buffer("{\"seq\":1,\"doc\":{\"_id\":\"a\",\"_cv\":\"1@s\"}}\n"), b -> out.append(b));
    assertThat(out).hasToString("{\"seq\":1,\"doc\":{\"_id\":\"a\"}}\n");
    filter.feed(Buffer.buffer("\n"), b -> out.append(b));
    assertThat(out).as("a heartbeat passes at once").hasToString("{\"seq\":1,\"doc\":{\"_id\":\"a\"}}\n\n");
    filter.feed(Buffer.buffer("{\"seq\":2,\"doc\":{\"_id\":\"b\",\"v\":\"" + "x".repeat(100)), b -> out.append(b));
    assertThat(out.toString()).as("a kept value streams before it ends").contains("\"_id\":\"b\",\"v\":\"x");
  }

  @Test
  void onlyTheBytesBetweenAMemberAndTheNextNameAreHeldBack() {
    DocumentFilter filter = new DocumentFilter(Shape.DOCUMENT);
    StringBuilder out = new StringBuilder();
    filter.feed(Buffer.buffer("{\"_id\":\"a\" , "), b -> out.append(b));
    assertThat(out).hasToString("{\"_id\":\"a\"");
    filter.feed(Buffer.buffer("\"_cv\":\"1@s\"}"), b -> out.append(b));
    filter.end(b -> out.append(b));
    assertThat(out).hasToString("{\"_id\":\"a\"}");
  }

  @Test
  void randomDocumentsSurviveAnyChunkingWithExactlyTheirForbiddenMembersGone() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      StringBuilder in = new StringBuilder("{");
      StringBuilder expected = new StringBuilder("{");
      int members = random.nextInt(6);
      for (int m = 0; m < members; m++) {
        boolean forbidden = random.nextBoolean();
        String name = forbidden ? "_x" + m : (random.nextBoolean() ? "_id" : "k" + m);
        String value = switch (random.nextInt(4)) {
          case 0 -> "\"v,}\\\"" + m + "\"";
          case 1 -> String.valueOf(random.nextInt(1000));
          case 2 -> "{\"_cv\":[1,2,{}],\"a\":null}";
          default -> "[\"]\",true,false]";
        };
        String member = "\"" + name + "\"" + (random.nextBoolean() ? " : " : ":") + value;
        in.append(in.length() > 1 ? "," : "").append(member);
        if (!forbidden) {
          expected.append(expected.length() > 1 ? "," : "").append(member);
        }
      }
      in.append('}');
      expected.append('}');
      assertThat(filter(Shape.DOCUMENT, in.toString())).as(in.toString()).isEqualTo(expected.toString());
    }
  }

  @Test
  void aRewrittenMemberStreamsToItsRewriteAndTheDocumentCanBeLeftOpen() {
    for (DocumentFilter.Slot slot : DocumentFilter.Slot.values()) {
      for (String before : new String[] {"", "\"_id\":\"d\","}) {
        StringBuilder seen = new StringBuilder();
        DocumentFilter filter = new DocumentFilter(Shape.DOCUMENT, "_attachments", new DocumentFilter.MemberRewrite() {
          @Override
          public void start(int membersBefore, Buffer out) {
            seen.append(membersBefore);
          }

          @Override
          public void feed(byte[] bytes, int from, int length, Buffer out) {
            seen.append(new String(bytes, from, length, StandardCharsets.UTF_8));
          }

          @Override
          public DocumentFilter.Slot end(Buffer out) {
            out.appendString(slot == DocumentFilter.Slot.EMPTY ? "" : (before.isEmpty() ? "" : ",") + "\"x\":{");
            return slot;
          }
        }, true);
        byte[] json = ("{" + before + "\"_attachments\":{\"f\":{\"follows\":true}},\"_cv\":\"1@s\",\"n\":2}")
            .getBytes(StandardCharsets.UTF_8);
        String out = run(filter, json, 3);
        String open = slot == DocumentFilter.Slot.EMPTY ? "" : (before.isEmpty() ? "" : ",") + "\"x\":{";
        String kept = before.isEmpty() ? "" : "\"_id\":\"d\"";
        String rest = slot == DocumentFilter.Slot.EMPTY && before.isEmpty() ? "\"n\":2" : ",\"n\":2";
        if (slot == DocumentFilter.Slot.FILLED_HOLD_REST) {
          assertThat(out).as("%s %s", slot, before).isEqualTo("{" + kept + open);
          assertThat(filter.heldRest().toString()).isEqualTo(rest);
        } else {
          assertThat(out).as("%s %s", slot, before).isEqualTo("{" + kept + open + rest);
        }
        assertThat(seen.toString()).isEqualTo((before.isEmpty() ? "0" : "1") + ":{\"f\":{\"follows\":true}}");
        assertThat(filter.documentId()).isEqualTo(before.isEmpty() ? null : "d");
        assertThat(filter.rootMembers()).isEqualTo((before.isEmpty() ? 1 : 2) + (slot == DocumentFilter.Slot.EMPTY ? 0 : 1));
      }
    }
  }

  @Test
  void aHugeStringStreamsThroughWithoutBeingHeld() {
    DocumentFilter filter = new DocumentFilter(Shape.DOCUMENT);
    long[] passed = {0};
    filter.feed(Buffer.buffer("{\"_id\":\"a\",\"_attachments\":{\"f\":{\"data\":\""), b -> passed[0] += b.length());
    Buffer chunk = Buffer.buffer("QUJD".repeat(16 * 1024));
    for (int i = 0; i < 512; i++) {
      filter.feed(chunk, b -> passed[0] += b.length());
    }
    filter.feed(Buffer.buffer("\"}},\"_cv\":\"1@s\"}"), b -> passed[0] += b.length());
    filter.end(b -> passed[0] += b.length());

    // 32 MiB of base64, past any string limit of a buffering parser; every byte passed but _cv's.
    assertThat(passed[0]).isEqualTo(40 + 512L * 64 * 1024 + 4);
  }

  @Test
  void escapedMemberNamesAreRecognised() {
    assertThat(filter(Shape.DOCUMENT, "{\"_id\":\"a\",\"_\\u0063v\":\"1@s\"}")).isEqualTo("{\"_id\":\"a\"}");
  }

  @Test
  void aBodyThatIsNotJsonFailsTheStream() {
    assertThatThrownBy(() -> run(new DocumentFilter(Shape.DOCUMENT), "{\"a\":nope}".getBytes(StandardCharsets.UTF_8), 4))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("the backend's JSON");
    assertThatThrownBy(() -> run(new DocumentFilter(Shape.DOCUMENT), "{\"a\":[1,".getBytes(StandardCharsets.UTF_8), 4))
        .isInstanceOf(IllegalStateException.class);
  }
}
