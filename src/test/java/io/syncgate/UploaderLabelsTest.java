package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.TestStack;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An attachment's {@code content_type} is the uploader's word, not Syncgate's: attachments labelled
 * as JSON (with {@code _} members PouchDB refuses in documents), as multipart with a boundary, or
 * holding lines that look like delimiters, come out byte for byte on every read that carries
 * them — multipart and JSON {@code _bulk_get}, {@code open_revs}, and a document read with its
 * attachments — and the documents after them are not lost.
 */
class UploaderLabelsTest {

  private static final String DOC = "labelled";
  private static final Map<String, String> TYPES = new LinkedHashMap<>();
  private static final Map<String, byte[]> CONTENT = new LinkedHashMap<>();

  static {
    String pad = "x".repeat(240);
    add("as-json.json", "application/json",
        "{\"_cv\":\"1@someone\",\"_id\":\"not-this-doc\",\"_private\":true,\"a\":1,\"pad\":\"" + pad + "\"}");
    add("small.json", "application/json", "{\"_cv\":\"1@x\",\"_y\":2}");
    add("as-multipart.bin", "multipart/related; boundary=zzz",
        "--zzz\r\nContent-Type: application/json\r\n\r\n{\"_cv\":\"1@x\",\"_id\":\"z\"}\r\n--zzz\r\n"
            + "Content-Disposition: attachment; filename=\"q\"\r\n\r\n" + pad + "\r\n--zzz--\r\n");
    add("as-mixed.bin", "multipart/mixed; boundary=\"yyy\"",
        "--yyy\r\nContent-Type: multipart/related; boundary=\"zzz\"\r\n\r\n--zzz\r\n\r\n{\"_cv\":1}\r\n--zzz--\r\n--yyy--" + pad);
    add("delimiters.txt", "text/plain",
        "a line\r\n\r\n\r\n--\r\n--zzz\r\n--zzz--\r\n\r\n--yyy--\r\nContent-Type: application/json\r\n\r\n{\"_cv\":2}\r\n" + pad
            + "\r\n--");
  }

  private static void add(String name, String type, String content) {
    TYPES.put(name, type);
    CONTENT.put(name, content.getBytes(StandardCharsets.UTF_8));
  }

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static String rev;

  @BeforeAll
  static void storeTheDocument() throws Exception {
    JsonObject attachments = new JsonObject();
    CONTENT.forEach((name, bytes) -> attachments.put(name, new JsonObject().put("content_type", TYPES.get(name))
        .put("data", Base64.getEncoder().encodeToString(bytes))));
    JsonObject doc = new JsonObject().put("_id", DOC).put("n", 1).put("_attachments", attachments);
    JsonObject after = new JsonObject().put("_id", "after").put("n", 2);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(stack.store.url() + "/" + TestStack.DB + "/_bulk_docs"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("docs", new JsonArray().add(doc).add(after)).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    rev = new JsonArray(put.body()).getJsonObject(0).getString("rev");
  }

  private static Map<String, String> headers(String accept) {
    return Map.of("authorization", "Bearer " + stack.token("label-reader"), "accept", accept,
        "content-type", "application/json");
  }

  private static Buffer bulkGetRequest() {
    return Buffer.buffer(new JsonObject().put("docs", new JsonArray()
        .add(new JsonObject().put("id", DOC).put("rev", rev))
        .add(new JsonObject().put("id", "after"))).encode());
  }

  /** Every attachment over SG's inline size, found after its part's head and followed by a delimiter. */
  private static void assertEveryFollowingAttachmentIsByteIdentical(Http.Response response) {
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    String body = response.body().toString(StandardCharsets.ISO_8859_1);
    int following = 0;
    for (Map.Entry<String, byte[]> attachment : CONTENT.entrySet()) {
      if (attachment.getValue().length <= 200) {
        continue;
      }
      following++;
      String head = "filename=\"" + attachment.getKey() + "\"\r\n\r\n";
      int at = body.indexOf(head);
      assertThat(at).as(attachment.getKey()).isPositive();
      int from = at + head.length();
      String expected = new String(attachment.getValue(), StandardCharsets.ISO_8859_1);
      assertThat(body.substring(from, from + expected.length())).as(attachment.getKey()).isEqualTo(expected);
      assertThat(body.substring(from + expected.length())).as(attachment.getKey()).startsWith("\r\n--");
    }
    assertThat(following).isEqualTo(4);
    assertThat(body).doesNotContain("\"_cv\":\"" + "1-").endsWith("--\r\n");
  }

  private static void assertInlineAttachmentsAreByteIdentical(JsonObject doc) {
    JsonObject attachments = doc.getJsonObject("_attachments");
    CONTENT.forEach((name, bytes) -> {
      assertThat(attachments.getJsonObject(name).containsKey("follows")).as(name).isFalse();
      assertThat(Base64.getDecoder().decode(attachments.getJsonObject(name).getString("data"))).as(name).isEqualTo(bytes);
    });
    assertThat(doc.containsKey("_cv")).isFalse();
  }

  @Test
  void multipartBulkGetPassesEveryAttachmentPartUntouchedAndTheNextDocumentArrives() {
    Http.Response response = stack.http.send(HttpMethod.POST, stack.port(),
        "/sync/todo/_bulk_get?revs=true&attachments=true", headers("multipart/mixed"), bulkGetRequest());

    assertEveryFollowingAttachmentIsByteIdentical(response);
    String body = response.body().toString(StandardCharsets.UTF_8);
    assertThat(body).contains("\"_id\":\"after\"");
    assertThat(body.substring(body.indexOf("\"_id\":\"after\""))).doesNotContain("_cv");
  }

  @Test
  void jsonBulkGetCarriesEveryAttachmentsBytesAndTheNextDocument() {
    Http.Response response = stack.http.send(HttpMethod.POST, stack.port(),
        "/sync/todo/_bulk_get?revs=true&attachments=true", headers("application/json"), bulkGetRequest());

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    JsonArray results = response.json().getJsonArray("results");
    assertThat(results).hasSize(2);
    assertInlineAttachmentsAreByteIdentical(results.getJsonObject(0).getJsonArray("docs").getJsonObject(0).getJsonObject("ok"));
    assertThat(results.getJsonObject(1).getJsonArray("docs").getJsonObject(0).getJsonObject("ok").getInteger("n")).isEqualTo(2);
  }

  @Test
  void openRevsReadAsMultipartPassesEveryAttachmentPartUntouched() {
    Http.Response response = stack.http.get(stack.port(),
        "/sync/todo/" + DOC + "?open_revs=all&revs=true&attachments=true", headers("multipart/mixed"));

    assertThat(response.header("content-type")).startsWith("multipart/mixed");
    assertEveryFollowingAttachmentIsByteIdentical(response);
  }

  @Test
  void aDocumentReadWithItsAttachmentsAsMultipartPassesEveryAttachmentPartUntouched() {
    Http.Response response = stack.http.get(stack.port(),
        "/sync/todo/" + DOC + "?revs=true&attachments=true", headers("multipart/related"));

    assertThat(response.header("content-type")).startsWith("multipart/related");
    assertEveryFollowingAttachmentIsByteIdentical(response);
  }

  @Test
  void openRevsAndDocumentReadsAsJsonCarryEveryAttachmentsBytes() {
    Http.Response openRevs = stack.http.get(stack.port(),
        "/sync/todo/" + DOC + "?open_revs=all&revs=true&attachments=true", headers("application/json"));
    Http.Response document = stack.http.get(stack.port(),
        "/sync/todo/" + DOC + "?revs=true&attachments=true", headers("application/json"));

    assertThat(openRevs.status()).as(openRevs.toString()).isEqualTo(200);
    assertInlineAttachmentsAreByteIdentical(new JsonArray(openRevs.body()).getJsonObject(0).getJsonObject("ok"));
    assertThat(document.status()).as(document.toString()).isEqualTo(200);
    assertInlineAttachmentsAreByteIdentical(document.json());
  }
}
