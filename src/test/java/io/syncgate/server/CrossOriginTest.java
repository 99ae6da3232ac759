package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.TestStack;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CORS as a browser meets it, over real HTTP: preflights answered by Syncgate and never forwarded,
 * allow headers for listed origins only (on sign-in, errors and proxied answers alike), the
 * backend's own CORS headers dropped, and writes from foreign pages refused.
 */
class CrossOriginTest {

  private static final String APP = "https://app.example.com";

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static String cookie;

  @BeforeAll
  static void allowOrigins() throws Exception {
    stack.restartSyncgate(yaml -> yaml + """
        cors:
          todo:
            origins: ["https://app.example.com", "https://*.staff.example", "capacitor://localhost"]
            max_age: 1h
        """);
    Http.Response signIn = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("carol")));
    cookie = signIn.header("set-cookie").split(";", 2)[0];
  }

  @BeforeEach
  void forget() {
    stack.sg.forgetRequests();
  }

  private static Http.Response send(HttpMethod method, String path, Map<String, String> headers) {
    return stack.http.send(method, stack.port(), path, headers, method == HttpMethod.POST ? Buffer.buffer("{\"docs\":[]}") : null);
  }

  private static Http.Response preflight(String path, String origin, String method, String headers) {
    Map<String, String> request = new HashMap<>(Map.of("Origin", origin, "Access-Control-Request-Method", method));
    if (headers != null) {
      request.put("Access-Control-Request-Headers", headers);
    }
    return send(HttpMethod.OPTIONS, path, request);
  }

  @Test
  void aPreflightFromAListedOriginIsAnsweredBySyncgateAndNeverForwarded() {
    Http.Response answer = preflight("/sync/todo/_bulk_docs", APP, "POST", "Content-Type, Authorization");

    assertThat(answer.status()).isEqualTo(204);
    assertThat(answer.headers("access-control-allow-origin")).containsExactly(APP);
    assertThat(answer.header("access-control-allow-credentials")).isEqualTo("true");
    assertThat(answer.header("access-control-allow-methods")).contains("POST", "PUT", "DELETE");
    assertThat(answer.header("access-control-allow-headers")).isEqualTo("content-type, authorization");
    assertThat(answer.header("access-control-max-age")).isEqualTo("3600");
    assertThat(answer.headers("vary")).contains("Origin", "Access-Control-Request-Method");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://a.staff.example", "https://deep.a.staff.example", "capacitor://localhost"})
  void patternsAndAppSchemesMatch(String origin) {
    assertThat(preflight("/sync/todo/_all_docs", origin, "GET", null).headers("access-control-allow-origin"))
        .containsExactly(origin);
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example", "null", "https://staff.example", "http://app.example.com",
      "https://app.example.com:8443", "https://evil.example/.staff.example", "https://app.example.com.evil.example"})
  void aPreflightFromAnOriginNotListedIsRefusedWithoutAllowHeaders(String origin) {
    Http.Response answer = preflight("/sync/todo/_all_docs", origin, "GET", null);

    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.json().getString("error")).isEqualTo("forbidden");
    assertThat(answer.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
    assertThat(answer.headers("vary")).contains("Origin");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void anOriginIsListedPerDatabase() {
    assertThat(preflight("/sync/notes/_all_docs", APP, "GET", null).status()).isEqualTo(403);
    assertThat(preflight("/sync/todo.scope.coll/_all_docs", APP, "GET", null).status()).isEqualTo(204);
  }

  @Test
  void aPreflightAskingForAMethodOrHeaderNotAllowedIsRefused() {
    assertThat(preflight("/sync/todo/doc", APP, "PATCH", null).status()).isEqualTo(403);
    assertThat(preflight("/sync/todo/doc", APP, "PUT", "content-type, x-evil").status()).isEqualTo(403);
  }

  @Test
  void aProxiedAnswerCarriesSyncgatesHeadersNotTheBackends() {
    // A local document is PouchDB Server's answer behind the stand-in, which varies on Accept-Encoding too.
    assertThat(stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo/_local/vary", Map.of("Cookie", cookie,
        "Content-Type", "application/json"), Buffer.buffer("{}")).status()).isEqualTo(201);
    stack.sg.forgetRequests();
    Http.Response listed = send(HttpMethod.GET, "/sync/todo/_local/vary", Map.of("Origin", APP, "Cookie", cookie));
    Http.Response unlisted = send(HttpMethod.GET, "/sync/todo/_local/vary", Map.of("Origin", "https://evil.example",
        "Cookie", cookie));

    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.headers("access-control-allow-origin")).containsExactly(APP);
    assertThat(listed.headers("access-control-allow-credentials")).containsExactly("true");
    assertThat(listed.header("access-control-expose-headers")).contains("ETag");
    assertThat(String.join(",", listed.headers("vary")).split(" *, *")).as("each field once, whoever else writes it")
        .containsExactlyInAnyOrder("Origin", "Accept-Encoding");
    assertThat(String.join(",", unlisted.headers("vary")).split(" *, *")).containsExactlyInAnyOrder("Origin",
        "Accept-Encoding");
    // The browser refuses the foreign page this answer; the stand-in's "*" must not undo that.
    assertThat(unlisted.status()).isEqualTo(200);
    assertThat(unlisted.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
    assertThat(stack.sg.publicRequests()).hasSize(2)
        .allSatisfy(seen -> assertThat(seen.headers().get("origin")).isNotNull());
  }

  @Test
  void signInAndErrorsCarryTheAllowHeadersToo() {
    Http.Response signIn = send(HttpMethod.POST, "/sync/todo/_session",
        Map.of("Origin", APP, "Authorization", "Bearer " + stack.token("dave")));
    Http.Response refused = send(HttpMethod.GET, "/sync/todo/_all_docs", Map.of("Origin", APP));

    assertThat(signIn.status()).isEqualTo(200);
    assertThat(signIn.headers("access-control-allow-origin")).containsExactly(APP);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers("access-control-allow-origin")).containsExactly(APP);
    assertThat(refused.header("access-control-expose-headers")).contains("WWW-Authenticate");
  }

  @Test
  void aWriteFromAForeignPageIsRefusedBeforeItReachesTheBackend() {
    Http.Response foreign = send(HttpMethod.POST, "/sync/todo/_bulk_docs",
        Map.of("Origin", "https://evil.example", "Cookie", cookie, "Content-Type", "application/json"));
    Http.Response crossSite = send(HttpMethod.POST, "/sync/todo/_bulk_docs",
        Map.of("Sec-Fetch-Site", "cross-site", "Cookie", cookie, "Content-Type", "application/json"));

    assertThat(foreign.status()).isEqualTo(403);
    assertThat(foreign.json().getString("reason")).contains("cross-origin");
    assertThat(crossSite.status()).isEqualTo(403);
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void sameOriginPagesListedOriginsAndClientsThatAreNotBrowsersMayWrite() {
    String self = "http://127.0.0.1:" + stack.port();
    for (Map<String, String> headers : java.util.List.of(
        Map.of("Origin", self, "Cookie", cookie),
        Map.of("Sec-Fetch-Site", "same-origin", "Origin", self, "Cookie", cookie),
        Map.of("Origin", APP, "Cookie", cookie),
        Map.of("Cookie", cookie))) {
      Map<String, String> request = new HashMap<>(headers);
      request.put("Content-Type", "application/json");
      assertThat(send(HttpMethod.POST, "/sync/todo/_bulk_docs", request).status()).as(headers.toString())
          .isEqualTo(201);
    }
  }

  @Test
  void withoutSecFetchSiteAnOriginOfAnotherSchemeOnThisHostIsAnotherOrigin() {
    for (String scheme : java.util.List.of("weird", "file", "chrome-extension")) {
      Http.Response write = send(HttpMethod.POST, "/sync/todo/_bulk_docs", Map.of("Origin",
          scheme + "://127.0.0.1:" + stack.port(), "Cookie", cookie, "Content-Type", "application/json"));
      assertThat(write.status()).as(scheme).isEqualTo(403);
    }
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aWebSocketUpgradeFromAForeignPageIsRefused() throws Exception {
    String answer = RawHttp.exchange(stack.port(), "GET /sync/todo/_blipsync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: BLIP_3+CBMobile_3\r\n"
        + "Origin: https://evil.example\r\nCookie: " + cookie + "\r\n\r\n", Duration.ofSeconds(5));

    assertThat(answer).startsWith("HTTP/1.1 403 ");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void theServerRootPouchDbAsksForAnIdAnswersAListedOriginToo() {
    // PouchDB asks {base}/ for a server id before it replicates; a CORS failure there is noise.
    Http.Response listed = send(HttpMethod.GET, "/sync/", Map.of("Origin", APP));
    Http.Response unlisted = send(HttpMethod.GET, "/sync/", Map.of("Origin", "https://evil.example"));

    assertThat(listed.status()).isEqualTo(404);
    assertThat(listed.headers("access-control-allow-origin")).containsExactly(APP);
    assertThat(unlisted.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
  }

  @Test
  void theSeedsSignInRouteFollowsItsDatabasesOrigins() {
    Http.Response seed = preflight("/sync/_signin/carol", APP, "GET", "authorization");
    assertThat(seed.status()).as(seed.toString()).isEqualTo(204);
    assertThat(preflight("/sync/_signin/carol?db=notes", APP, "GET", "authorization").status()).isEqualTo(403);
  }
}
