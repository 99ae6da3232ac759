package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
import io.syncgate.testing.TestStack;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What happens to requests on their way to Sync Gateway and back. */
class ForwardingTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static Map<String, String> bearer(String subject) {
    return Http.bearer(stack.token(subject));
  }

  private static String signedInCookie(String subject) {
    Response signIn = stack.http.post(stack.port(), "/sync/todo/_session", bearer(subject));
    assertThat(signIn.status()).as(signIn.toString()).isEqualTo(200);
    return "SyncGatewaySession=" + signIn.json().getString("session_id");
  }

  private static Seen lastPublicRequest() {
    List<Seen> seen = stack.sg.publicRequests();
    assertThat(seen).isNotEmpty();
    return seen.get(seen.size() - 1);
  }

  @Test
  void theDefaultScopeAndCollectionAreKeyspacesOfTheirDatabase() {
    Map<String, String> headers = new HashMap<>(bearer("default-keyspace"));
    headers.put("content-type", "application/json");

    Response put = stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo._default._default/ks-doc", headers,
        Buffer.buffer("{\"title\":\"in the default collection\"}"));
    Response viaCollection = stack.http.get(stack.port(), "/sync/todo._default/ks-doc", bearer("default-keyspace"));
    Response viaDatabase = stack.http.get(stack.port(), "/sync/todo/ks-doc", bearer("default-keyspace"));

    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    assertThat(viaCollection.status()).as(viaCollection.toString()).isEqualTo(200);
    assertThat(viaDatabase.json().getString("title")).isEqualTo("in the default collection");
    assertThat(stack.sg.publicRequests()).extracting(Seen::uri).startsWith("/todo._default._default/ks-doc",
        "/todo._default/ks-doc");
    assertThat(stack.http.get(stack.port(), "/sync/todo._private/x", bearer("default-keyspace")).status())
        .as("only _default may start with an underscore").isEqualTo(404);
  }

  @Test
  void aDocumentIdWithAnEncodedSlashReachesTheBackendAsSent() {
    Map<String, String> headers = new HashMap<>(bearer("slash-user"));
    headers.put("content-type", "application/json");

    Response put = stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo/notes%2F2026", headers,
        Buffer.buffer("{\"title\":\"slash\"}"));
    Response get = stack.http.get(stack.port(), "/sync/todo/notes%2F2026?revs=true", bearer("slash-user"));

    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    assertThat(stack.sg.publicRequests()).extracting(Seen::uri)
        .containsExactly("/todo/notes%2F2026", "/todo/notes%2F2026?revs=true");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.json().getString("_id")).isEqualTo("notes/2026");
    assertThat(get.json().getJsonObject("_revisions")).isNotNull();
  }

  @Test
  void aContinuousFeedStreamsEachChangeAsItHappens() throws Exception {
    StringBuffer received = new StringBuffer();
    HttpClient client = stack.vertx.createHttpClient();
    Context context = stack.vertx.getOrCreateContext();
    Promise<HttpClientResponse> opened = Promise.promise();
    // Sync Gateway refuses since=now (400 Invalid sequence); clients start from the database's update_seq.
    Object updateSeq = stack.http.get(stack.port(), "/sync/todo/", bearer("feed-user")).json().getValue("update_seq");
    context.runOnContext(v -> client.request(new RequestOptions().setHost("127.0.0.1").setPort(stack.port())
            .setURI("/sync/todo/_changes?feed=continuous&include_docs=true&heartbeat=1000&since=" + updateSeq)
            .putHeader("authorization", "Bearer " + stack.token("feed-user")))
        .compose(HttpClientRequest::send)
        .onSuccess(response -> response.handler(chunk -> received.append(chunk.toString())))
        .onComplete(opened));
    try {
      assertThat(opened.future().await().statusCode()).isEqualTo(200);

      HttpResponse<String> write = java.net.http.HttpClient.newBuilder().version(Version.HTTP_1_1).build().send(
          HttpRequest.newBuilder(URI.create(stack.store.url() + "/todo/written-while-watching"))
              .header("content-type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(write.statusCode()).isEqualTo(201);

      // The feed never ends; the change must arrive while it stays open, not when it closes.
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> received.toString().contains("\"id\":\"written-while-watching\""));
      // SG 4 puts its _cv in the feed's documents; PouchDB would refuse them, so they arrive without.
      assertThat(received.toString()).contains("\"_rev\":").doesNotContain("_cv");
    } finally {
      // A feed never ends by itself: close without waiting for it.
      client.shutdown(0, java.util.concurrent.TimeUnit.SECONDS).await();
    }
  }

  @Test
  void aWebSocketUpgradeSyncGatewayRefusesReachesTheClientAsItsStatusWithJson() throws Exception {
    String ticket = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("refused-socket")))
        .json().getString("session_id");
    stack.sg.deleteSessionsOf("refused-socket");

    String answer = io.syncgate.testing.RawHttp.exchange(stack.port(), "GET /sync/todo/_blipsync HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: SyncGatewaySession=" + ticket + "\r\n\r\n",
        java.time.Duration.ofSeconds(5));

    // SG's 401 names no challenge here; the client gets Syncgate's.
    assertThat(answer).startsWith("HTTP/1.1 401 ").containsIgnoringCase("content-type: application/json")
        .containsIgnoringCase("www-authenticate: Bearer realm=\"syncgate\"")
        .endsWith("{\"error\":\"Unauthorized\",\"reason\":\"Session no longer valid for user\"}")
        .doesNotContain(io.syncgate.testing.RawHttp.STILL_OPEN);
    assertThat(answer.split("(?i)x-request-id:")).as("one request id").hasSize(2);
  }

  @Test
  void anAnswerCarriesOneDateOfSyncgatesSending() throws Exception {
    String answer = io.syncgate.testing.RawHttp.exchange(stack.port(), "GET /sync/todo/ HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer " + stack.token("dated") + "\r\nConnection: close\r\n\r\n",
        java.time.Duration.ofSeconds(5));

    List<String> dates = answer.lines().takeWhile(line -> !line.isEmpty())
        .filter(line -> line.regionMatches(true, 0, "date:", 0, 5)).toList();
    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(dates).hasSize(1);
    java.time.ZonedDateTime.parse(dates.get(0).substring(5).trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
  }

  @Test
  void anUpgradesConnectionSpecificFieldsStayOnTheClientsHop() throws Exception {
    String answer = io.syncgate.testing.RawHttp.exchange(stack.port(), "GET /sync/todo/_blipsync HTTP/1.1\r\n"
        + "Host: 127.0.0.1\r\nConnection: Upgrade, X-Hop\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: BLIP_3+CBMobile_3\r\nX-Hop: for syncgate only\r\nKeep-Alive: timeout=5\r\n"
        + "TE: trailers\r\nAuthorization: Bearer " + stack.token("socket-hops") + "\r\n\r\n",
        java.time.Duration.ofSeconds(2));

    assertThat(answer).startsWith("HTTP/1.1 101 ").containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    Seen handshake = lastPublicRequest();
    assertThat(handshake.headers().get("upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(handshake.headers().get("connection")).isEqualToIgnoringCase("upgrade");
    assertThat(handshake.headers().contains("x-hop")).isFalse();
    assertThat(handshake.headers().contains("keep-alive")).isFalse();
    assertThat(handshake.headers().contains("te")).isFalse();
  }

  @Test
  void aWebSocketIsUpgradedThroughSyncgateOnTheHeldSession() {
    String token = stack.token("socket-user");
    WebSocketClient client = stack.vertx.createWebSocketClient();
    Context context = stack.vertx.getOrCreateContext();
    Promise<String> echoed = Promise.promise();
    context.runOnContext(v -> client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(stack.port())
            .setURI("/sync/todo/_blipsync").addSubProtocol("BLIP_3+CBMobile_3").addHeader("authorization", "Bearer " + token))
        .onSuccess(socket -> {
          socket.textMessageHandler(echoed::tryComplete);
          socket.writeTextMessage("hello through syncgate");
        })
        .onFailure(echoed::tryFail));
    try {
      assertThat(echoed.future().timeout(10, TimeUnit.SECONDS).await()).isEqualTo("hello through syncgate");
      Seen handshake = lastPublicRequest();
      assertThat(handshake.uri()).isEqualTo("/todo/_blipsync");
      assertThat(handshake.headers().get("upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(handshake.headers().get("cookie")).matches("SyncGatewaySession=[0-9a-f]{40}");
      assertThat(handshake.headers().get("authorization")).isNull();
    } finally {
      // A feed never ends by itself: close without waiting for it.
      client.shutdown(0, java.util.concurrent.TimeUnit.SECONDS).await();
    }
  }

  @Test
  void http10ClientsAreToldToUseHttp11BeforeAnythingIsForwarded() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", stack.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /sync/todo/_changes?feed=continuous HTTP/1.0\r\n"
          + "Authorization: Bearer " + stack.token("old-client") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(answer).startsWith("HTTP/1.0 505").contains("http_version_not_supported");
    }
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aRefusedUploadIsNotReadButTheConnectionClosed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", stack.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("PUT /sync/todo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      // No "100 Continue" invitation to a client that has not authenticated, and no waiting for its gigabyte.
      assertThat(answer).startsWith("HTTP/1.1 401").doesNotContain("100 Continue").containsIgnoringCase("connection: close");
    }
  }

  @Test
  void headAndOptionsAreForwardedNotAnsweredLocally() {
    Response head = stack.http.send(HttpMethod.HEAD, stack.port(), "/sync/todo/", bearer("head-user"), null);
    Response options = stack.http.send(HttpMethod.OPTIONS, stack.port(), "/sync/todo/some-doc", Map.of(), null);

    assertThat(head.status()).isEqualTo(200);
    assertThat(options.status()).isEqualTo(204);
    assertThat(options.header("allow")).isEqualTo("GET, HEAD, POST, PUT, DELETE");
    assertThat(stack.sg.publicRequests()).extracting(seen -> seen.method() + " " + seen.uri())
        .containsExactly("HEAD /todo/", "OPTIONS /todo/some-doc");
  }

  @Test
  void theBackendsHopByHopHeadersStayOnItsHop() {
    Map<String, String> headers = new java.util.HashMap<>(bearer("hop-user"));
    headers.put("content-type", "application/json");
    Response response = stack.http.send(io.vertx.core.http.HttpMethod.PUT, stack.port(), "/sync/todo/hop-doc", headers,
        io.vertx.core.buffer.Buffer.buffer("{}"));

    // A write is PouchDB Server's answer, with Connection: keep-alive and Keep-Alive: timeout=5 (RFC 9110 §7.6.1).
    assertThat(response.status()).isEqualTo(201);
    assertThat(response.header("keep-alive")).isNull();
    assertThat(response.header("x-powered-by")).isEqualTo("Express");
  }

  @Test
  void aRequestWithoutCredentialsIs401WithABearerChallenge() {
    Response response = stack.http.get(stack.port(), "/sync/todo/_all_docs", Map.of());

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("www-authenticate")).isEqualTo("Bearer realm=\"syncgate\"");
    assertThat(response.json().getString("error")).isEqualTo("unauthorized");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aDatabaseThatIsNotConfiguredIs404AndNeverReachesTheBackend() {
    Response response = stack.http.get(stack.port(), "/sync/secret/_all_docs", bearer("curious"));

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", "not_found").put("reason", "no such database"));
    assertThat(stack.sg.publicRequests()).isEmpty();
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  @Test
  void aSessionTicketBecomesTheBackendsCookieAndOtherCookiesAndClaimedIdentitiesGoNowhere() {
    String ticket = signedInCookie("cookie-user");

    Response response = stack.http.get(stack.port(), "/sync/todo/", Map.of(
        "cookie", "theme=dark; " + ticket + "; tracking=abc",
        "x-auth-couchdb-roles", "_admin",
        "X-Auth-CouchDB-UserName", "admin"));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Seen seen = lastPublicRequest();
    assertThat(seen.headers().getAll("cookie")).singleElement().asString().matches("SyncGatewaySession=[0-9a-f]{40}");
    assertThat(stack.sg.sessionCount("cookie-user")).isEqualTo(1);
    assertThat(seen.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("x-auth-couchdb"));
  }

  @Test
  void syncGatewaysSlidingRenewalNeverReachesATicketClient() {
    String ticket = signedInCookie("renewing-user");
    stack.clock.advance(Duration.ofMinutes(7)); // more than 10% of the one-hour session: SG renews

    Response response = stack.http.get(stack.port(), "/sync/todo/", Map.of("cookie", ticket));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers("set-cookie")).isEmpty();
  }

  @Test
  void aBareSyncGatewaySessionIdIsRefusedUnlessConfigured() throws Exception {
    String sgCookie = "SyncGatewaySession=" + stack.sg.openSession("todo", "bare-user", Duration.ofHours(1));

    Response refused = stack.http.get(stack.port(), "/sync/todo/", Map.of("cookie", sgCookie));
    stack.restartSyncgate(Map.of("SYNCGATE_SESSION_ACCEPT_UNSIGNED_COOKIES", "true"));
    try {
      Response accepted = stack.http.get(stack.port(), "/sync/todo/", Map.of("cookie", sgCookie));

      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.json().getString("reason")).isEqualTo("this session was not opened through Syncgate: sign in again");
      assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
      assertThat(lastPublicRequest().headers().get("cookie")).isEqualTo(sgCookie);
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }

  @Test
  void aSessionSyncGatewayEndedIs401WithSyncgatesBearerChallengeWhereSyncGatewaySentNone() {
    String ticket = signedInCookie("dropped-user");
    stack.sg.deleteSessionsOf("dropped-user");

    Response response = stack.http.get(stack.port(), "/sync/todo/", Map.of("cookie", ticket));

    assertThat(response.status()).isEqualTo(401);
    // SG 4.0's 401 for a session ended with all of its user's carries no challenge; RFC 9110 wants one.
    assertThat(response.headers("www-authenticate")).containsExactly("Bearer realm=\"syncgate\"");
    assertThat(response.json().getString("reason")).isEqualTo("Session no longer valid for user");
    // SG no longer honours the ticket's session, so the client is told to forget its cookie.
    assertThat(response.header("set-cookie")).startsWith("SyncGatewaySession=; Path=/sync/todo; Expires=Thu, 01 Jan 1970");
  }

  @Test
  void bearerRequestsShareOneSessionAndNeverForwardTheToken() {
    String token = stack.token("sharing-user");

    stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token));
    stack.http.get(stack.port(), "/sync/todo/_all_docs", Http.bearer(token));
    Response third = stack.http.get(stack.port(), "/sync/todo/_changes", Http.bearer(token));

    assertThat(third.status()).isEqualTo(200);
    assertThat(stack.sg.adminWrites()).extracting(seen -> seen.method() + " " + seen.uri())
        .containsExactly("PUT /todo/_user/sharing-user", "POST /todo/_session");
    assertThat(stack.sg.publicRequests()).hasSize(3).allSatisfy(seen -> {
      assertThat(seen.headers().get("cookie")).matches("SyncGatewaySession=[0-9a-f]{40}");
      assertThat(seen.headers().get("authorization")).isNull();
      assertThat(seen.headers().toString()).doesNotContain(token);
    });
    assertThat(third.headers("set-cookie")).isEmpty();
  }

  @Test
  void aBodilessBearerRequestOnAHeldSessionTheBackendDroppedIsRetriedTransparently() {
    String token = stack.token("held-dropped-user");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    stack.sg.deleteSessionsOf("held-dropped-user");
    stack.sg.forgetRequests();

    Response retried = stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token));

    assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
    assertThat(stack.sg.publicRequests()).extracting(Seen::uri).containsExactly("/todo/", "/todo/");
    assertThat(stack.sg.adminWrites()).extracting(seen -> seen.method() + " " + seen.uri())
        .containsExactly("POST /todo/_session");
    assertThat(stack.sg.sessionCount("held-dropped-user")).isEqualTo(1);
  }

  @Test
  void aBearerRequestWithABodyOnADroppedSessionIs401AndTheNextRequestWorks() {
    String token = stack.token("held-dropped-writer");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    stack.sg.deleteSessionsOf("held-dropped-writer");
    Map<String, String> headers = Map.of("authorization", "Bearer " + token, "content-type", "application/json");

    Response refused = stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo/written-after-drop", headers,
        Buffer.buffer("{}"));
    Response next = stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo/written-after-drop", headers,
        Buffer.buffer("{}"));

    assertThat(refused.status()).isEqualTo(401);
    assertThat(next.status()).as(next.toString()).isEqualTo(201);
  }

  @Test
  void aHeldSessionIsRenewedBeforeItExpires() {
    String token = stack.idp.token(TestStack.ISSUER_ID, "expiring-user", TestStack.AUDIENCE, 2 * 3600);
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);

    stack.clock.advance(Duration.ofMinutes(59).plusSeconds(40)); // inside the reuse margin of the 1 h cap

    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    assertThat(stack.sg.adminWrites()).filteredOn(seen -> seen.method().equals("POST")).hasSize(2);
  }

  @Test
  void passwordLoginsAreRefusedUnlessAllowed() throws Exception {
    Map<String, String> basic = Map.of("authorization", "Basic YWxpY2U6c2VjcmV0");

    Response refused = stack.http.get(stack.port(), "/sync/todo/", basic);

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("reason"))
        .isEqualTo("password login is disabled: send a bearer token from the identity provider");
    assertThat(stack.sg.publicRequests()).isEmpty();

    stack.restartSyncgate(Map.of("SYNCGATE_ACCESS_ALLOW_PASSWORD_LOGIN", "true"));
    try {
      stack.http.get(stack.port(), "/sync/todo/", basic);
      assertThat(lastPublicRequest().headers().get("authorization")).isEqualTo("Basic YWxpY2U6c2VjcmV0");
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }

  @Test
  void guestRequestsReachTheBackendOnlyWhenAllowed() throws Exception {
    stack.restartSyncgate(Map.of("SYNCGATE_ACCESS_ALLOW_GUEST", "true"));
    try {
      Response response = stack.http.get(stack.port(), "/sync/todo/", Map.of());

      // The stand-in has no GUEST access, as SG by default: its 401 comes back, minus the Basic challenge.
      assertThat(response.status()).isEqualTo(401);
      assertThat(response.header("www-authenticate")).isEqualTo("Bearer realm=\"syncgate\"");
      assertThat(lastPublicRequest().uri()).isEqualTo("/todo/");
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }


  @Test
  void aRequestIdFollowsTheRequestToSyncGatewayAndBack() {
    Map<String, String> given = new HashMap<>(bearer("traced-user"));
    given.put("x-request-id", "trace-0001:a.b_c");

    Response kept = stack.http.get(stack.port(), "/sync/todo/", given);
    String keptAtSg = lastPublicRequest().headers().get("x-request-id");
    given.put("x-request-id", "not allowed\ttabs and spaces");
    Response replaced = stack.http.get(stack.port(), "/sync/todo/", given);
    String replacedAtSg = lastPublicRequest().headers().get("x-request-id");

    assertThat(kept.header("x-request-id")).isEqualTo("trace-0001:a.b_c").isEqualTo(keptAtSg);
    assertThat(kept.headers("x-request-id")).as("once, however SG echoes it").hasSize(1);
    assertThat(replaced.header("x-request-id")).matches("[0-9a-f]{16}").isEqualTo(replacedAtSg);
    assertThat(stack.http.get(stack.port(), "/sync/nowhere/", Map.of()).header("x-request-id")).matches("[0-9a-f]{16}");
  }

  @Test
  void anUnreachableBackendIsAJson502AndSyncgateKeepsServing() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String ticket = signedInCookie("unlucky");
    stack.restartSyncgate(Map.of(
        "SYNCGATE_SYNC_GATEWAY_PUBLIC_URL", "http://127.0.0.1:" + closed,
        "SYNCGATE_SYNC_GATEWAY_ADMIN_URL", "http://127.0.0.1:" + closed));
    try {
      Response signIn = stack.http.post(stack.port(), "/sync/todo/_session", bearer("unlucky"));
      Response held = stack.http.get(stack.port(), "/sync/todo/", Map.of("cookie", ticket));

      assertThat(signIn.status()).isEqualTo(502);
      assertThat(signIn.json()).isEqualTo(new JsonObject().put("error", "bad_gateway")
          .put("reason", "Sync Gateway's admin API is unreachable"));
      assertThat(held.status()).isEqualTo(502);
      assertThat(held.header("content-type")).isEqualTo("application/json");
      assertThat(held.json()).isEqualTo(new JsonObject().put("error", "bad_gateway")
          .put("reason", "the backend is unreachable"));
      // Still serving: the next request is answered as well.
      assertThat(stack.http.get(stack.port(), "/sync/todo/", Map.of()).status()).isEqualTo(401);
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }
}
