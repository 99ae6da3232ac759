package io.syncgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stand-in's channels over its real public API, in front of a real PouchDB Server: users read
 * only the documents of their channels (their own, their roles', {@code *}), every kind of read
 * hides the rest, and the sync function refuses writes outside the writer's channels.
 */
@Timeout(120)
class StandInChannelsTest {

  private static final String DB = "todo";
  private static final String OPEN_DB = "notes";

  private static Vertx vertx;
  private static PouchDbServer store;
  private static SyncGatewayStandIn sg;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    store = PouchDbServer.start();
    store.createDatabase(DB);
    store.createDatabase(OPEN_DB);
    sg = SyncGatewayStandIn.start(vertx, MutableClock.startingNow(), Set.of(DB, OPEN_DB), store.url());
    sg.channels().enable(DB).defineRole(DB, "helper", List.of("user-ann"));
    http = new Http(vertx);
    for (String db : List.of(DB, OPEN_DB)) {
      user(db, "ann", "[\"user-ann\"]", "[]");
      user(db, "bob", "[\"user-bob\"]", "[]");
      user(db, "cat", "[]", "[\"helper\"]");
      user(db, "root", "[\"*\"]", "[]");
    }
    assertThat(put("ann", "/todo/ann-1", "{\"title\":\"ann's\",\"channels\":[\"user-ann\"]}").status()).isEqualTo(201);
    assertThat(put("bob", "/todo/bob-1", "{\"title\":\"bob's\",\"channels\":\"user-bob\"}").status()).isEqualTo(201);
    assertThat(put("ann", "/notes/ann-note", "{\"title\":\"open\"}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    http.close();
    sg.close();
    store.close();
    vertx.close().await();
  }

  private static void user(String db, String name, String channels, String roles) {
    Http.Response created = http.send(HttpMethod.PUT, sg.adminUrl().getPort(), "/" + db + "/_user/" + name,
        Map.of("authorization", "Basic " + Base64.getEncoder().encodeToString((SyncGatewayStandIn.ADMIN_USER + ":"
            + SyncGatewayStandIn.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)), "content-type", "application/json"),
        Buffer.buffer("{\"password\":\"pw-" + name + "\",\"admin_channels\":" + channels + ",\"admin_roles\":" + roles
            + "}"));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
  }

  private static Map<String, String> as(String user, String db) {
    return Map.of("cookie", SyncGatewayStandIn.COOKIE_NAME + "=" + sg.openSession(db, user, Duration.ofHours(1)),
        "content-type", "application/json", "accept", "application/json");
  }

  private static Http.Response send(String user, HttpMethod method, String uri, String body) {
    String db = uri.substring(1, uri.indexOf('/', 1));
    return http.send(method, sg.publicUrl().getPort(), uri, as(user, db), body == null ? null : Buffer.buffer(body));
  }

  private static Http.Response put(String user, String uri, String body) {
    return send(user, HttpMethod.PUT, uri, body);
  }

  private static List<String> ids(JsonArray rows) {
    return rows.stream().map(JsonObject.class::cast).map(row -> row.getString("id")).toList();
  }

  private static List<String> allDocs(String user, String db) {
    Http.Response all = send(user, HttpMethod.GET, "/" + db + "/_all_docs", null);
    assertThat(all.status()).as(all.toString()).isEqualTo(200);
    return ids(all.json().getJsonArray("rows"));
  }

  private static List<String> changes(String user, String query) {
    Http.Response changes = send(user, HttpMethod.GET, "/todo/_changes?" + query, null);
    assertThat(changes.status()).as(changes.toString()).isEqualTo(200);
    return ids(changes.json().getJsonArray("results"));
  }

  @Test
  void theSyncFunctionDocumentedForARealSyncGatewayIsTheOnePlayedHere() throws Exception {
    String docs = Files.readString(Path.of(System.getProperty("basedir", ".")).resolve("docs/web-apps.md"));

    // In the docs it sits in a numbered list, indented by three spaces.
    assertThat(docs.replaceAll("(?m)^   ", "")).contains(StandInChannels.SYNC_FUNCTION);
  }

  @Test
  void eachUserListsOnlyTheDocumentsOfTheirChannels() {
    assertThat(allDocs("ann", DB)).contains("ann-1").doesNotContain("bob-1");
    assertThat(allDocs("bob", DB)).contains("bob-1").doesNotContain("ann-1");
    assertThat(allDocs("cat", DB)).as("a role's channels").contains("ann-1").doesNotContain("bob-1");
    assertThat(allDocs("root", DB)).as("* grants every channel").contains("ann-1", "bob-1");
    assertThat(changes("ann", "since=0&include_docs=true")).contains("ann-1").doesNotContain("bob-1");
    assertThat(changes("bob", "since=0")).contains("bob-1").doesNotContain("ann-1");
  }

  @Test
  void aDatabaseWithoutChannelsIsAsBefore() {
    assertThat(allDocs("bob", OPEN_DB)).contains("ann-note");
    assertThat(send("bob", HttpMethod.GET, "/notes/ann-note", null).status()).isEqualTo(200);
  }

  @Test
  void anotherUsersDocumentIsForbiddenAloneAndInABulkGet() {
    assertThat(send("ann", HttpMethod.GET, "/todo/ann-1", null).json().getString("title")).isEqualTo("ann's");
    assertThat(send("ann", HttpMethod.GET, "/todo/bob-1", null).status()).isEqualTo(403);

    Http.Response bulk = http.send(HttpMethod.POST, sg.publicUrl().getPort(), "/todo/_bulk_get?revs=true",
        Map.of("cookie", as("ann", DB).get("cookie"), "content-type", "application/json"),
        Buffer.buffer("{\"docs\":[{\"id\":\"ann-1\"},{\"id\":\"bob-1\"}]}"));

    assertThat(bulk.status()).isEqualTo(200);
    assertThat(bulk.header("content-type")).startsWith("multipart/mixed");
    assertThat(bulk.body().toString()).contains("\"title\":\"ann's\"").doesNotContain("bob's")
        .contains("\"error\":\"forbidden\"").contains("\"id\":\"bob-1\"");
  }

  @Test
  void aLongPollReturnsNothingOfAnotherUsersChanges() {
    Http.Response now = send("ann", HttpMethod.GET, "/todo/_changes?since=0", null);
    String since = now.json().getString("last_seq");
    assertThat(put("bob", "/todo/bob-later", "{\"channels\":[\"user-bob\"]}").status()).isEqualTo(201);

    long started = System.nanoTime();
    Http.Response waited = send("ann", HttpMethod.GET, "/todo/_changes?feed=longpoll&timeout=1500&since=" + since, null);

    assertThat(waited.json().getJsonArray("results")).as(waited.toString()).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("held to its timeout").isGreaterThan(Duration.ofMillis(1000));
    assertThat(changes("bob", "feed=longpoll&timeout=1500&since=" + since)).containsExactly("bob-later");
  }

  @Test
  void theSyncFunctionRefusesWritesOutsideTheWritersChannels() {
    Http.Response intoBobs = put("ann", "/todo/ann-2", "{\"channels\":[\"user-bob\"]}");
    Http.Response noChannels = put("ann", "/todo/ann-3", "{\"title\":\"nowhere\"}");
    String bobsRev = send("bob", HttpMethod.GET, "/todo/bob-1", null).json().getString("_rev");
    Http.Response takeOver = put("ann", "/todo/bob-1", "{\"_rev\":\"" + bobsRev + "\",\"channels\":[\"user-ann\"]}");
    Http.Response delete = send("ann", HttpMethod.DELETE, "/todo/bob-1?rev=" + bobsRev, null);

    assertThat(intoBobs.status()).isEqualTo(403);
    assertThat(intoBobs.json().getString("reason")).isEqualTo("missing channel access");
    assertThat(noChannels.status()).isEqualTo(403);
    assertThat(noChannels.json().getString("reason")).isEqualTo("a document needs channels");
    assertThat(takeOver.status()).as("what it replaces must be the writer's too").isEqualTo(403);
    assertThat(delete.status()).isEqualTo(403);
    assertThat(allDocs("bob", DB)).contains("bob-1");
  }

  @Test
  void aBulkWriteRefusesOnlyTheDocumentsOutsideTheWritersChannels() {
    Http.Response bulk = send("bob", HttpMethod.POST, "/todo/_bulk_docs",
        "{\"docs\":[{\"_id\":\"bob-2\",\"channels\":[\"user-bob\"]},{\"_id\":\"planted\",\"channels\":[\"user-ann\"]}]}");

    assertThat(bulk.status()).isEqualTo(201);
    JsonArray results = new JsonArray(bulk.body());
    assertThat(results.stream().map(JsonObject.class::cast).filter(r -> r.containsKey("error"))
        .map(r -> r.getString("id") + " " + r.getInteger("status"))).containsExactly("planted 403");
    assertThat(allDocs("bob", DB)).contains("bob-2");
    assertThat(allDocs("root", DB)).doesNotContain("planted");
  }

  @Test
  void aDeletionStaysInItsChannelsSoItsOwnerSeesItGo() {
    String rev = put("ann", "/todo/ann-gone", "{\"channels\":[\"user-ann\"]}").json().getString("rev");

    Http.Response deleted = send("ann", HttpMethod.DELETE, "/todo/ann-gone?rev=" + rev, null);

    assertThat(deleted.status()).as(deleted.toString()).isIn(200, 201);
    Http.Response feed = send("ann", HttpMethod.GET, "/todo/_changes?since=0", null);
    assertThat(feed.json().getJsonArray("results").stream().map(JsonObject.class::cast)
        .filter(entry -> entry.getString("id").equals("ann-gone")))
        .singleElement().satisfies(entry -> assertThat(entry.getBoolean("deleted")).isTrue());
    assertThat(changes("bob", "since=0")).doesNotContain("ann-gone");
  }
}
