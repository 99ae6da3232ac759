package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestFiles;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Keycloak (keycloak-quarkus-dist, unpacked by Maven, started on loopback with the realm in
 * src/test/resources/keycloak) in front of the released jar: a user signs in with a token of
 * Keycloak's password grant and replicates with PouchDB; the realm's signing key is rotated
 * through Keycloak's admin API and sign-in goes on without a restart; once the old key is
 * disabled, tokens it signed are refused; Keycloak's logout of the user, announced over
 * back-channel logout, ends its replication on two instances.
 */
class KeycloakIT {

  private static final String REALM = "syncgate";
  private static final String ADMIN_PASSWORD = "keycloak-admin-password";

  private static Process keycloak;
  private static Path keycloakLog;
  private static int keycloakPort;
  private static TestStack backends;
  private static SyncgateProcess syncgate;
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws Exception {
    Path home = Path.of(System.getProperty("keycloak.home", "target/keycloak/missing"));
    if (!Files.isRegularFile(home.resolve("bin/kc.sh"))) {
      throw new IllegalStateException(home + " has no Keycloak: integration tests run after Maven unpacks it");
    }
    // A realm as the file says, every run: the dev database of an earlier run holds its rotated keys.
    Path database = home.resolve("data/h2");
    if (Files.isDirectory(database)) {
      try (var files = Files.walk(database)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
    Path imports = Files.createDirectories(home.resolve("data/import"));
    try (var in = KeycloakIT.class.getResourceAsStream("/keycloak/syncgate-realm.json")) {
      Files.copy(in, imports.resolve("syncgate-realm.json"), StandardCopyOption.REPLACE_EXISTING);
    }
    keycloakPort = FreePort.next();
    keycloakLog = TestFiles.file("keycloak", ".log");
    ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev", "--import-realm",
        "--http-host=127.0.0.1", "--http-port=" + keycloakPort, "--http-management-port=" + FreePort.next(),
        "--cache=local")
        .redirectErrorStream(true).redirectOutput(keycloakLog.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
    builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    keycloak = builder.start();
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
        .until(() -> !keycloak.isAlive() || discovery() == 200);
    assertThat(keycloak.isAlive()).as("Keycloak started; its log:%n%s", Files.readString(keycloakLog)).isTrue();

    backends = TestStack.backendsOnly();
    syncgate = SyncgateProcess.inFrontOf(backends, environment(), List.of());
  }

  /** Both instances' configuration: Keycloak's issuer, and a short refresh of the provider-logout list. */
  private static Map<String, String> environment() {
    return Map.of(
        "SYNCGATE_OIDC_ISSUER", issuer(),
        "SYNCGATE_OIDC_AUDIENCES", "syncgate-app",
        "SYNCGATE_OIDC_AUTHORIZED_PARTIES", "pouch-app",
        "SYNCGATE_OIDC_REQUIRED_CLAIMS", "email_verified=true",
        "SYNCGATE_OIDC_USERNAME_PREFIX", "kc_",
        "SYNCGATE_OIDC_JWKS_CACHE_TTL", "2s",
        "SYNCGATE_OIDC_JWKS_MIN_TTL", "1s",
        "SYNCGATE_OIDC_JWKS_REFETCH_COOLDOWN", "1s",
        "SYNCGATE_SESSION_LOGOUT_REFRESH_INTERVAL", "1s");
  }

  @AfterAll
  static void stop() throws Exception {
    if (syncgate != null) {
      syncgate.close();
    }
    if (backends != null) {
      backends.close();
    }
    if (keycloak != null) {
      keycloak.destroy();
      if (!keycloak.waitFor(30, TimeUnit.SECONDS)) {
        keycloak.destroyForcibly().waitFor();
      }
    }
    TestFiles.delete(keycloakLog);
  }

  @Test
  void aKeycloakUserReplicatesAndKeepsSigningInThroughAKeyRotation() throws Exception {
    String token = userToken();
    HttpResponse<String> seeded = http.send(HttpRequest.newBuilder(
            URI.create(backends.store.url() + "/" + TestStack.DB + "/keycloak-seeded/blob"))
        .header("content-type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[4096])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(seeded.statusCode()).as(seeded.body()).isEqualTo(201);
    JsonObject replicated = PouchDbClient.run(new JsonObject()
        .put("mode", "bearer")
        .put("remote", "http://127.0.0.1:" + syncgate.port() + "/sync/" + TestStack.DB)
        .put("token", token)
        .put("store", backends.store.url() + "/" + TestStack.DB)
        .put("prefix", "keycloak-")
        .put("docs", 20)
        .put("attachmentBytes", 1024)
        .put("seededAttachmentId", "keycloak-seeded"));
    assertThat(replicated.getBoolean("ok")).as(replicated.encodePrettily()).isTrue();
    assertThat(backends.sg.adminRequests()).as("the user is named by Keycloak's sub, under the prefix")
        .anyMatch(seen -> seen.uri().startsWith("/todo/_user/kc_"));

    String admin = adminToken();
    String oldKey = keyComponentOf(admin, kid(token));
    addKey(admin, "rotated-rsa", 200);
    String rotated = userToken();
    assertThat(kid(rotated)).isNotEqualTo(kid(token));
    assertThat(signIn(rotated)).as("a token of the new key, without a restart").isEqualTo(200);
    assertThat(signIn(token)).as("the old key is still published").isEqualTo(200);

    disable(admin, oldKey);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> signIn(token) == 401);
    assertThat(signIn(rotated)).isEqualTo(200);
  }

  /**
   * Keycloak's own logout reaches Syncgate: with Syncgate's URL registered as the client's
   * back-channel logout URL, an administrator's "sign out" of the user through Keycloak's admin
   * API ends a cookie client's live replication on one instance, a bearer client's live
   * replication and continuous feed on another, and refuses the old cookie and the held token on
   * both; a token issued afterwards signs in again.
   */
  @Test
  void keycloaksLogoutOfTheUserEndsItsReplicationOnBothInstances() throws Exception {
    String admin = adminToken();
    registerBackchannelLogout(admin, "http://127.0.0.1:" + syncgate.port() + "/sync/_oidc/backchannel_logout");
    String userId = new JsonArray(adminCall(admin, "GET", "/users?exact=true&username=alice", null).body())
        .getJsonObject(0).getString("id");
    String token = userToken();
    try (SyncgateProcess other = SyncgateProcess.inFrontOf(backends, environment(), List.of())) {
      JsonObject result = PouchDbClient.run("provider-logout.js", new JsonObject()
          .put("remote", "http://127.0.0.1:" + syncgate.port() + "/sync/" + TestStack.DB)
          .put("otherRemote", "http://127.0.0.1:" + other.port() + "/sync/" + TestStack.DB)
          .put("token", token)
          .put("logoutUrl", "http://127.0.0.1:" + keycloakPort + "/admin/realms/" + REALM + "/users/" + userId + "/logout")
          .put("adminToken", admin));

      assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
      assertThat(result.getInteger("logoutStatus")).isEqualTo(204);
      assertThat(result.getInteger("feedStatus")).isEqualTo(200);
      assertThat(result.getString("cookieReplication")).as(result.encodePrettily()).isNotEqualTo("still running");
      assertThat(result.getLong("cookieReplicationEndedAfterMs")).as("the receiving instance ends it within a second: %s",
          result.encodePrettily()).isLessThan(1_000L);
      // The other instance learns of the logout from the list it reads every second.
      assertThat(result.getString("bearerReplication")).as(result.encodePrettily()).isNotEqualTo("still running");
      assertThat(result.getLong("bearerReplicationEndedAfterMs")).as(result.encodePrettily()).isLessThan(3_000L);
      // Ended as Syncgate ends a feed: its connection closed.
      assertThat(result.getString("feed")).as(result.encodePrettily()).isNotEqualTo("still running");
      assertThat(result.getLong("feedEndedAfterMs")).as(result.encodePrettily()).isLessThan(3_000L);
      assertThat(result.getJsonObject("afterwards")).as(result.encodePrettily()).isEqualTo(new JsonObject()
          .put("first", new JsonObject().put("cookie", 401).put("token", 401))
          .put("second", new JsonObject().put("cookie", 401).put("token", 401)));

      // Keycloak's iat counts whole seconds: a token of the next second was issued after the logout.
      Thread.sleep(1_100);
      String fresh = userToken();
      assertThat(signIn(syncgate.port(), fresh)).isEqualTo(200);
      assertThat(signIn(other.port(), fresh)).isEqualTo(200);
      assertThat(signIn(other.port(), token)).as("the old token stays refused").isEqualTo(401);
    }
  }

  /** Sets the client's back-channel logout URL, with the provider session ({@code sid}) in its logout tokens. */
  private static void registerBackchannelLogout(String admin, String url) throws Exception {
    JsonObject client = new JsonArray(adminCall(admin, "GET", "/clients?clientId=pouch-app", null).body()).getJsonObject(0);
    JsonObject attributes = client.getJsonObject("attributes", new JsonObject());
    attributes.put("backchannel.logout.url", url).put("backchannel.logout.session.required", "true");
    // Keycloak sends a client front-channel or back-channel logouts, never both: front-channel is its default.
    client.put("attributes", attributes).put("frontchannelLogout", false);
    adminCall(admin, "PUT", "/clients/" + client.getString("id"), client.encode());
  }

  private static String issuer() {
    return "http://127.0.0.1:" + keycloakPort + "/realms/" + REALM;
  }

  private static int discovery() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(issuer() + "/.well-known/openid-configuration")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static JsonObject form(String url, Map<String, String> fields, String bearer) throws Exception {
    StringBuilder body = new StringBuilder();
    fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static String userToken() throws Exception {
    return form(issuer() + "/protocol/openid-connect/token", Map.of("grant_type", "password", "client_id", "pouch-app",
        "username", "alice", "password", "alice-password", "scope", "openid"), null).getString("access_token");
  }

  private static String adminToken() throws Exception {
    return form("http://127.0.0.1:" + keycloakPort + "/realms/master/protocol/openid-connect/token",
        Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", ADMIN_PASSWORD), null)
        .getString("access_token");
  }

  private static HttpResponse<String> adminCall(String admin, String method, String path, String json) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + keycloakPort + "/admin/realms/" + REALM + path))
        .header("authorization", "Bearer " + admin)
        .header("content-type", "application/json")
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 204);
    return response;
  }

  /** The key provider component that holds the key {@code kid}, from the realm's key list. */
  private static String keyComponentOf(String admin, String kid) throws Exception {
    JsonArray keys = new JsonObject(adminCall(admin, "GET", "/keys", null).body()).getJsonArray("keys");
    return keys.stream().map(JsonObject.class::cast)
        .filter(key -> kid.equals(key.getString("kid")))
        .findFirst().orElseThrow(() -> new AssertionError("no key " + kid + " in " + keys)).getString("providerId");
  }

  private static void addKey(String admin, String name, int priority) throws Exception {
    String realmId = new JsonObject(adminCall(admin, "GET", "", null).body()).getString("id");
    adminCall(admin, "POST", "/components", new JsonObject()
        .put("name", name)
        .put("providerId", "rsa-generated")
        .put("providerType", "org.keycloak.keys.KeyProvider")
        .put("parentId", realmId)
        .put("config", new JsonObject().put("priority", new JsonArray().add(Integer.toString(priority)))
            .put("enabled", new JsonArray().add("true")).put("active", new JsonArray().add("true"))
            .put("algorithm", new JsonArray().add("RS256")))
        .encode());
  }

  private static void disable(String admin, String componentId) throws Exception {
    JsonObject component = new JsonObject(adminCall(admin, "GET", "/components/" + componentId, null).body());
    component.getJsonObject("config").put("enabled", new JsonArray().add("false"));
    adminCall(admin, "PUT", "/components/" + componentId, component.encode());
  }

  private static int signIn(String token) throws IOException, InterruptedException {
    return signIn(syncgate.port(), token);
  }

  private static int signIn(int port, String token) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sync/todo/_session"))
        .header("authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static JsonObject part(String token, int index) {
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[index]),
        StandardCharsets.UTF_8));
  }

  private static String kid(String token) {
    return part(token, 0).getString("kid");
  }
}
