package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import io.syncgate.testing.SyncGatewayStandIn.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PouchDB 9 pulling from Sync Gateway 4, which it cannot do alone: SG 4's {@code _cv} in every
 * document body fails PouchDB's pull, and SG answers PouchDB's JSON {@code _bulk_get} with 406.
 * The stand-in answers as SG 4 does; through Syncgate the real PouchDB client pulls 500 documents
 * and a 2 MB attachment, once and live, and checks every byte against the store. The tests that
 * read current versions run against SG 3.x too ({@link Version#V3}: no {@code _cv} at all), which
 * PouchDB can pull from alone, and which Syncgate must serve unchanged.
 */
class SyncGateway4PullTest {

  private static final int DOCS = 500;
  private static final int ATTACHMENT_BYTES = 2 * 1024 * 1024;

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  @BeforeAll
  static void seedTheServer() throws Exception {
    JsonArray docs = new JsonArray();
    for (int i = 0; i < DOCS; i++) {
      docs.add(new JsonObject().put("_id", "seed-%04d".formatted(i)).put("n", i).put("text", "document " + i)
          .put("tags", new JsonArray().add("a").add(i % 7)));
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> bulk = http.send(HttpRequest.newBuilder(store("/_bulk_docs"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("docs", docs).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(201);
    byte[] attachment = new byte[ATTACHMENT_BYTES];
    new Random(4).nextBytes(attachment);
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(store("/seed-attachment/photo.bin"))
        .header("content-type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(attachment)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }

  @AfterEach
  void answerAsFourAgain() {
    stack.sg.answerAs(Version.V4);
  }

  @Test
  void pouchDbStraightAtSyncGateway4FailsToPullOnCurrentVersion() throws Exception {
    String cookie = sessionCookieFor("direct-user");

    JsonObject result = PouchDbClient.run("pull.js", options("session", stack.sg.publicUrl() + "/" + TestStack.DB)
        .put("cookie", cookie));

    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isFalse();
    assertThat(result.getString("errorMessage")).isEqualTo("Bad special document member: _cv");
    // SG refused its JSON _bulk_get, so PouchDB fell back to a GET per document.
    assertThat(stack.sg.publicRequests()).anySatisfy(seen -> {
      assertThat(seen.uri()).contains("/_bulk_get");
    }).anySatisfy(seen -> assertThat(seen.uri()).contains("open_revs="));
  }

  @Test
  void pouchDbStraightAtSyncGateway3PullsWithoutCurrentVersions() throws Exception {
    stack.sg.answerAs(Version.V3);
    String cookie = sessionCookieFor("direct-user-3");

    JsonObject result = PouchDbClient.run("pull.js", options("session", stack.sg.publicUrl() + "/" + TestStack.DB)
        .put("cookie", cookie));

    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
    assertThat(result.getJsonObject("afterPull").getJsonArray("mismatches")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void aCookieClientPullsEverythingOnceAndLiveThroughSyncgate(Version version) throws Exception {
    stack.sg.answerAs(version);
    JsonObject result = PouchDbClient.run("pull.js", options("cookie", stack.url(TestStack.DB)));

    assertPulledEverything(result);
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void aBearerClientPullsEverythingOnceAndLiveThroughSyncgate(Version version) throws Exception {
    stack.sg.answerAs(version);
    JsonObject result = PouchDbClient.run("pull.js", options("bearer", stack.url(TestStack.DB)));

    assertPulledEverything(result);
    assertThat(stack.sg.publicRequests()).allSatisfy(seen -> assertThat(seen.headers().contains("authorization")).isFalse());
  }

  @Test
  void jsonBulkGetPullsInAFewBatchesWhereSyncGatewayAloneTakesOneRequestPerDocument() throws Exception {
    try {
      stack.restartSyncgate(Map.of("SYNCGATE_POUCHDB_JSON_BULK_GET", "false"));
      stack.sg.forgetRequests();
      JsonObject without = PouchDbClient.run("pull.js", options("bearer", stack.url(TestStack.DB)));
      assertThat(without.getBoolean("ok")).as(without.encodePrettily()).isTrue();
      long perDocument = count("open_revs=");

      stack.restartSyncgate(Map.of());
      stack.sg.forgetRequests();
      JsonObject with = PouchDbClient.run("pull.js", options("bearer", stack.url(TestStack.DB)));
      assertThat(with.getBoolean("ok")).as(with.encodePrettily()).isTrue();
      long batched = count("/_bulk_get");

      System.out.printf("500-document pull: %d requests to SG without JSON _bulk_get (%d per-document GETs),"
          + " %d with it (%d _bulk_get)%n", without.getInteger("pullRequests"), perDocument,
          with.getInteger("pullRequests"), batched);
      assertThat(perDocument).isGreaterThanOrEqualTo(DOCS);
      assertThat(count("open_revs=")).isZero();
      assertThat(batched).isBetween(1L, 20L);
      assertThat(with.getInteger("pullRequests")).isLessThan(without.getInteger("pullRequests") / 10);
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void aPlainDocumentReadKeepsItsCurrentVersionAndReplicationReadsLoseIt(Version version) {
    stack.sg.answerAs(version);
    Map<String, String> bearer = Http.bearer(stack.token("reader"));

    Http.Response plain = stack.http.get(stack.port(), "/sync/todo/seed-0001", bearer);
    Http.Response revs = stack.http.get(stack.port(), "/sync/todo/seed-0001?revs=true", bearer);
    Http.Response openRevs = stack.http.get(stack.port(), "/sync/todo/seed-0001?open_revs=all",
        Map.of("authorization", "Bearer " + stack.token("reader"), "accept", "application/json"));

    if (version == Version.V4) {
      assertThat(plain.json().getString("_cv")).endsWith("@Sg4StandInSourceIdQ+w/");
    } else {
      assertThat(plain.json().containsKey("_cv")).isFalse();
      assertThat(plain.json().getInteger("n")).isEqualTo(1);
    }
    assertThat(revs.json().containsKey("_cv")).isFalse();
    assertThat(revs.json().getJsonObject("_revisions")).isNotNull();
    JsonObject ok = new JsonArray(openRevs.body()).getJsonObject(0).getJsonObject("ok");
    assertThat(ok.getInteger("n")).isEqualTo(1);
    assertThat(ok.containsKey("_cv")).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void jsonBulkGetCarriesErrorsAndAttachmentsInCouchDbsShape(Version version) {
    stack.sg.answerAs(version);
    String rev = stack.http.get(stack.port(), "/sync/todo/seed-attachment", Http.bearer(stack.token("reader")))
        .json().getString("_rev");
    Map<String, String> headers = Map.of("authorization", "Bearer " + stack.token("reader"),
        "accept", "application/json", "content-type", "application/json");
    String request = new JsonObject().put("docs", new JsonArray()
        .add(new JsonObject().put("id", "seed-0002"))
        .add(new JsonObject().put("id", "no-such-doc").put("rev", "1-abc"))
        .add(new JsonObject().put("id", "seed-attachment").put("rev", rev))).encode();

    Http.Response response = stack.http.send(HttpMethod.POST, stack.port(), "/sync/todo/_bulk_get?revs=true&attachments=true",
        headers, Buffer.buffer(request));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    assertThat(response.header("content-type")).startsWith("application/json");
    JsonArray results = response.json().getJsonArray("results");
    assertThat(results).hasSize(3);
    JsonObject found = results.getJsonObject(0).getJsonArray("docs").getJsonObject(0).getJsonObject("ok");
    assertThat(found.getString("_id")).isEqualTo("seed-0002");
    assertThat(found.containsKey("_cv")).isFalse();
    assertThat(results.getJsonObject(0).getString("id")).isEqualTo("seed-0002");
    JsonObject error = results.getJsonObject(1).getJsonArray("docs").getJsonObject(0).getJsonObject("error");
    assertThat(error.getString("error")).isEqualTo("not_found");
    assertThat(error.getString("rev")).isEqualTo("1-abc");
    JsonObject photo = results.getJsonObject(2).getJsonArray("docs").getJsonObject(0).getJsonObject("ok")
        .getJsonObject("_attachments").getJsonObject("photo.bin");
    assertThat(photo.containsKey("follows")).isFalse();
    byte[] data = Base64.getDecoder().decode(photo.getString("data"));
    byte[] expected = new byte[ATTACHMENT_BYTES];
    new Random(4).nextBytes(expected);
    assertThat(data).isEqualTo(expected);
    assertThat(stack.sg.publicRequests()).filteredOn(seen -> seen.uri().contains("/_bulk_get"))
        .extracting(seen -> seen.headers().get("accept")).containsExactly("multipart/mixed");
  }

  @ParameterizedTest
  @EnumSource(Version.class)
  void aClientThatReadsMultipartGetsSgsMultipartWithoutCurrentVersions(Version version) {
    stack.sg.answerAs(version);
    Map<String, String> headers = Map.of("authorization", "Bearer " + stack.token("multipart-reader"),
        "accept", "multipart/mixed", "content-type", "application/json");
    String request = "{\"docs\":[{\"id\":\"seed-0003\"},{\"id\":\"seed-0004\"}]}";

    Http.Response bulk = stack.http.send(HttpMethod.POST, stack.port(), "/sync/todo/_bulk_get", headers, Buffer.buffer(request));
    Http.Response openRevs = stack.http.get(stack.port(), "/sync/todo/seed-0005?open_revs=all",
        Map.of("authorization", "Bearer " + stack.token("multipart-reader"), "accept", "*/*"));

    for (Http.Response response : List.of(bulk, openRevs)) {
      assertThat(response.status()).as(response.toString()).isEqualTo(200);
      assertThat(response.header("content-type")).startsWith("multipart/mixed; boundary=");
      String body = response.body().toString(StandardCharsets.UTF_8);
      assertThat(body).contains("\"_rev\":\"1-").doesNotContain("_cv").endsWith("--\r\n");
    }
    assertThat(bulk.body().toString(StandardCharsets.UTF_8)).contains("\"_id\":\"seed-0003\"", "\"_id\":\"seed-0004\"");
  }

  private static void assertPulledEverything(JsonObject result) {
    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
    assertThat(result.getInteger("pulled")).isGreaterThanOrEqualTo(DOCS + 1);
    for (String stage : List.of("afterPull", "afterLive")) {
      JsonObject check = result.getJsonObject(stage);
      assertThat(check.getJsonArray("mismatches")).as(stage).isEmpty();
      assertThat(check.getInteger("docs")).as(stage).isGreaterThanOrEqualTo(DOCS + 1);
      assertThat(check.getLong("attachmentBytes")).as(stage).isGreaterThanOrEqualTo(ATTACHMENT_BYTES);
    }
    assertThat(result.getInteger("liveReceived")).isEqualTo(5);
    assertThat(count("/_bulk_get")).isPositive();
    assertThat(count("open_revs=")).as("per-document GETs").isZero();
  }

  private static long count(String fragment) {
    return stack.sg.publicRequests().stream().map(Seen::uri).filter(uri -> uri.contains(fragment)).count();
  }

  private static JsonObject options(String mode, String remote) {
    return new JsonObject()
        .put("mode", mode)
        .put("remote", remote)
        .put("token", stack.token(mode + "-puller"))
        .put("store", stack.store.url() + "/" + TestStack.DB)
        .put("liveDocs", 5);
  }

  /** A session made the way an app server would, through the stand-in's Admin API. */
  private static String sessionCookieFor(String user) {
    Map<String, String> admin = Map.of("authorization", "Basic " + Base64.getEncoder().encodeToString(
            (SyncGatewayStandIn.ADMIN_USER + ":" + SyncGatewayStandIn.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)),
        "content-type", "application/json");
    int port = stack.sg.adminUrl().getPort();
    Http.Response created = stack.http.send(HttpMethod.PUT, port, "/todo/_user/" + user, admin,
        Buffer.buffer("{\"password\":\"not-used-by-this-test\"}"));
    assertThat(created.status()).as(created.toString()).isIn(200, 201);
    Http.Response session = stack.http.send(HttpMethod.POST, port, "/todo/_session", admin,
        Buffer.buffer("{\"name\":\"" + user + "\"}"));
    assertThat(session.status()).as(session.toString()).isEqualTo(200);
    return session.json().getString("cookie_name") + "=" + session.json().getString("session_id");
  }

  private static URI store(String path) {
    return URI.create(stack.store.url() + "/" + TestStack.DB + path);
  }
}
