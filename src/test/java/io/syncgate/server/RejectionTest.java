package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.Date;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way in that must stay shut: each bad token on each way to sign in or replicate, the seed
 * route for another user, and paths aimed at admin endpoints. Each gets its status and JSON, and
 * Sync Gateway records no admin write.
 */
class RejectionTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static String malloryCookie;

  @BeforeAll
  static void signInMallory() {
    Response signIn = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("mallory")));
    malloryCookie = "SyncGatewaySession=" + signIn.json().getString("session_id");
  }

  @AfterEach
  void nothingWasWrittenThroughTheAdminApi() {
    assertThat(stack.sg.adminWrites()).isEmpty();
  }

  record BadToken(String name, Supplier<String> token, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<BadToken> badTokens() {
    return Stream.of(
        new BadToken("expired", () -> stack.idp.token(TestStack.ISSUER_ID, "victim", TestStack.AUDIENCE, -120),
            "token expired"),
        new BadToken("wrong audience", () -> stack.idp.token(TestStack.ISSUER_ID, "victim", "another-app", 300),
            "token audience is not accepted"),
        new BadToken("wrong issuer", () -> stack.idp.token("another-issuer", "victim", TestStack.AUDIENCE, 300),
            "token issuer is not accepted"),
        new BadToken("iss claim of another issuer", () -> stack.idp.token(TestStack.ISSUER_ID, "victim",
            TestStack.AUDIENCE, Map.of("iss", "https://evil.example/"), 300), "token issuer is not accepted"),
        new BadToken("unknown signing key", RejectionTest::signedByAStranger,
            "token is signed by a key the issuer does not publish"),
        new BadToken("alg none", () -> new PlainJWT(claims()).serialize(), "token is not signed"),
        new BadToken("not a JWT", () -> "eyJhbGciOi.garbage", "malformed token"),
        new BadToken("control characters in alg", RejectionTest::withHostileAlgorithm,
            "signing algorithm is not accepted"));
  }

  static Stream<Arguments> badTokensOnEveryWayIn() {
    return badTokens().flatMap(bad -> Stream.of(
        Arguments.of(bad, HttpMethod.POST, "/sync/todo/_session"),
        Arguments.of(bad, HttpMethod.GET, "/sync/_signin/victim"),
        Arguments.of(bad, HttpMethod.GET, "/sync/todo/_changes?since=0")));
  }

  @ParameterizedTest(name = "{0} on {1} {2}")
  @MethodSource("badTokensOnEveryWayIn")
  void aBadTokenIsRefusedWith401AndAnRfc6750Challenge(BadToken bad, HttpMethod method, String uri) {
    Response response = stack.http.send(method, stack.port(), uri, Http.bearer(bad.token().get()), null);

    assertThat(response.status()).as(response.toString()).isEqualTo(401);
    assertThat(response.json().getString("error")).isEqualTo("unauthorized");
    assertThat(response.json().getString("reason")).isEqualTo(bad.reason());
    assertThat(response.header("www-authenticate"))
        .isEqualTo("Bearer realm=\"syncgate\", error=\"invalid_token\", error_description=\"" + bad.reason() + "\"");
    assertThat(response.header("set-cookie")).isNull();
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  static Stream<Arguments> noCredentials() {
    return Stream.of(
        Arguments.of(HttpMethod.POST, "/sync/todo/_session"),
        Arguments.of(HttpMethod.GET, "/sync/_signin/victim"),
        Arguments.of(HttpMethod.PUT, "/sync/todo/doc"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("noCredentials")
  void noTokenIsRefusedWith401(HttpMethod method, String uri) {
    Response response = stack.http.send(method, stack.port(), uri, Map.of(), null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.json().getString("error")).isEqualTo("unauthorized");
    assertThat(response.header("www-authenticate")).isEqualTo("Bearer realm=\"syncgate\"");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("noCredentials")
  void anotherAuthorizationSchemeIsRefusedWith401(HttpMethod method, String uri) {
    Response response = stack.http.send(method, stack.port(), uri, Map.of("authorization", "Digest x"), null);

    assertThat(response.status()).isEqualTo(401);
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  /** Sends {@code head} over a raw socket and answers everything that comes back until the connection closes. */
  private static String raw(String head) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", stack.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
      try {
        socket.getInputStream().transferTo(read);
      } catch (java.net.SocketTimeoutException e) {
        read.writeBytes(" [connection still open]".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      }
      return read.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void aRequestHeadOverTheLimitsIsRefusedWithJsonAndTheConnectionClosed() throws Exception {
    String longUrl = raw("GET /sync/todo/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    String bigHeaders = raw("GET /sync/todo/ HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
    String notHttp = raw("HELLO\r\n\r\n");

    // The version of a head that could not be read is unknown: Vert.x answers in HTTP/1.0.
    assertThat(longUrl).containsPattern("^HTTP/1\\.[01] 414 ").contains("content-type: application/json")
        .endsWith("{\"error\":\"uri_too_long\",\"reason\":\"the request line is too long\"}");
    assertThat(bigHeaders).containsPattern("^HTTP/1\\.[01] 431 ")
        .endsWith("{\"error\":\"request_header_fields_too_large\",\"reason\":\"the request headers are too large\"}");
    assertThat(notHttp).containsPattern("^HTTP/1\\.[01] 400 ").endsWith("\"reason\":\"the request cannot be read\"}");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void userACannotSignInAsUserB() {
    Response response = stack.http.get(stack.port(), "/sync/_signin/bob", Http.bearer(stack.token("alice")));

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json().getString("reason")).isEqualTo("the token does not belong to user bob");
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  static Stream<Arguments> pathsAimedAtAdminEndpoints() {
    return Stream.of(
        Arguments.of(HttpMethod.GET, "/sync/_config", 404, "no such database"),
        Arguments.of(HttpMethod.PUT, "/sync/_config", 404, "no such database"),
        Arguments.of(HttpMethod.GET, "/sync/_all_dbs", 404, "no such database"),
        Arguments.of(HttpMethod.GET, "/_config", 404, "no such endpoint"),
        Arguments.of(HttpMethod.PUT, "/sync/todo/../_config", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.PUT, "/sync/todo/%2e%2e/_user/mallory", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.DELETE, "/sync/todo/.%2E/.%2e/_session", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.POST, "/sync/todo/./_session", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc%2F..%2F..%2F_config", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc%5C..%5C_config", 400, "the path contains a backslash"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc\\..\\_config", 400, "the path contains a backslash"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc%00", 400, "the path contains a control character"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc%0d%0aX-Injected:%201", 400, "the path contains a control character"),
        Arguments.of(HttpMethod.GET, "/sync/todo/doc%zz", 400, "the path is not valid percent-encoding"),
        Arguments.of(HttpMethod.GET, "/sync/_signin/..%2F_config", 400, "the path contains a dot segment"),
        Arguments.of(HttpMethod.GET, "/sync/_signin/mallory?db=..%2Ftodo", 404, "no such database"),
        Arguments.of(HttpMethod.POST, "/sync/todo.s.c/_session", 404,
            "sessions are created on the database, not on a keyspace"),
        Arguments.of(HttpMethod.POST, "/sync/todo%2F_user%2Fmallory/_session", 404, "no such database"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pathsAimedAtAdminEndpoints")
  void aPathAimedAtAdminEndpointsReachesNoAdminEndpoint(HttpMethod method, String uri, int status, String reason) {
    Response response = stack.http.send(method, stack.port(), uri, Http.bearer(stack.token("mallory")), null);

    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.json().getString("reason")).isEqualTo(reason);
    assertThat(stack.sg.adminRequests()).isEmpty();
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void anAdminEndpointPathUnderADatabaseOnlyEverReachesThePublicPort() {
    Response response = stack.http.send(HttpMethod.PUT, stack.port(), "/sync/todo/_user/mallory",
        Map.of("cookie", malloryCookie, "content-type", "application/json"),
        Buffer.buffer("{\"admin_roles\":[\"admin\"]}"));

    // SG's public port has no user endpoint; whatever it says, the admin API never saw the request.
    assertThat(response.status()).isBetween(400, 499);
    assertThat(stack.sg.publicRequests()).extracting(seen -> seen.method() + " " + seen.uri())
        .containsExactly("PUT /todo/_user/mallory");
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  private static String signedByAStranger() {
    try {
      RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("stranger").build(), claims());
      jwt.sign(new RSASSASigner(stranger));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A header whose alg would break the WWW-Authenticate header if it were echoed. */
  private static String withHostileAlgorithm() {
    String header = Base64URL.encode("{\"alg\":\"RS256\\r\\nX-Injected: 1\\u0001\",\"kid\":\"k\"}").toString();
    String payload = Base64URL.encode(claims().toString()).toString();
    return header + "." + payload + "." + Base64URL.encode("signature");
  }

  private static JWTClaimsSet claims() {
    return new JWTClaimsSet.Builder()
        .subject("victim")
        .issuer(stack.idp.issuer(TestStack.ISSUER_ID))
        .audience(TestStack.AUDIENCE)
        .expirationTime(Date.from(stack.clock.instant().plusSeconds(300)))
        .build();
  }
}
