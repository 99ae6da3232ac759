package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jwt.JWTClaimsSet;
import io.syncgate.identity.LogoutTokens;
import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.OpenFeed;
import io.syncgate.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OpenID Connect Back-Channel Logout 1.0 at {@code POST /sync/_oidc/backchannel_logout}: a
 * provider's logout ends the user's sessions, feeds and tokens, here and on another instance;
 * every logout token the specification refuses changes nothing and gets 400.
 */
class BackchannelLogoutTest {

  private static final String LOGOUT = "/sync/_oidc/backchannel_logout";
  private static final String FEED = "/sync/todo/_changes?feed=continuous&since=0&heartbeat=30000";

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of("SYNCGATE_SESSION_LOGOUT_REFRESH_INTERVAL", "300ms"));

  private static String accessToken(String subject, String sid) {
    return stack.idp.token(TestStack.ISSUER_ID, subject, TestStack.AUDIENCE, Map.of("sid", sid), 3600);
  }

  /** A logout token as §2.4 describes it, for {@code subject} and/or {@code sid}, then changed by {@code change}. */
  private static String logoutToken(String subject, String sid, UnaryOperator<JWTClaimsSet.Builder> change) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(stack.idp.issuer(TestStack.ISSUER_ID))
        .audience(TestStack.AUDIENCE)
        .issueTime(Date.from(stack.clock.instant()))
        .expirationTime(Date.from(stack.clock.instant().plusSeconds(120)))
        .jwtID(UUID.randomUUID().toString())
        .claim("events", Map.of(LogoutTokens.EVENT, Map.of()));
    if (subject != null) {
      claims.subject(subject);
    }
    if (sid != null) {
      claims.claim("sid", sid);
    }
    return stack.idp.sign(TestStack.ISSUER_ID, header -> header.type(new JOSEObjectType("logout+jwt")),
        change.apply(claims).build());
  }

  private static Response postLogout(int port, String token) {
    return stack.http.send(HttpMethod.POST, port, LOGOUT,
        Map.of("content-type", "application/x-www-form-urlencoded"),
        Buffer.buffer("logout_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
  }

  private static String signIn(int port, String token) {
    Response response = stack.http.post(port, "/sync/todo/_session", Http.bearer(token));
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return "SyncGatewaySession=" + response.json().getString("session_id");
  }

  private static int withCookie(int port, String cookie) {
    return stack.http.get(port, "/sync/todo/", Map.of("cookie", cookie)).status();
  }

  private static int withBearer(int port, String token) {
    return stack.http.get(port, "/sync/todo/", Http.bearer(token)).status();
  }

  @Test
  void aLogoutOfTheSubjectEndsEverySessionFeedAndTokenOfTheUserUntilItSignsInAfresh() {
    String token = accessToken("logged-out", "provider-session-1");
    String cookie = signIn(stack.port(), token);
    assertThat(withBearer(stack.port(), token)).isEqualTo(200);
    try (OpenFeed cookieFeed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", cookie));
        OpenFeed bearerFeed = OpenFeed.open(stack.vertx, stack.port(), FEED, Http.bearer(token))) {
      assertThat(cookieFeed.status()).isEqualTo(200);
      assertThat(bearerFeed.status()).isEqualTo(200);
      assertThat(stack.sg.sessionCount("logged-out")).isEqualTo(2);

      Response answered = postLogout(stack.port(), logoutToken("logged-out", null, claims -> claims));

      assertThat(answered.status()).as(answered.toString()).isEqualTo(200);
      assertThat(answered.header("cache-control")).isEqualTo("no-store");
      Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> cookieFeed.ended() && bearerFeed.ended());
    }
    assertThat(stack.sg.sessionCount("logged-out")).isZero();
    assertThat(withCookie(stack.port(), cookie)).isEqualTo(401);
    assertThat(withBearer(stack.port(), token)).isEqualTo(401);
    assertThat(stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token)).status()).isEqualTo(401);
    assertThat(stack.sg.sessionCount("logged-out")).as("the held token opened no session").isZero();

    stack.clock.advance(Duration.ofSeconds(1));
    String fresh = accessToken("logged-out", "provider-session-2");
    assertThat(withCookie(stack.port(), signIn(stack.port(), fresh))).isEqualTo(200);
    assertThat(withBearer(stack.port(), fresh)).isEqualTo(200);
  }

  @Test
  void aLogoutOfOneProviderSessionEndsOnlyWhatItsTokensOpened() {
    String phone = accessToken("two-sessions", "phone-session");
    String laptop = accessToken("two-sessions", "laptop-session");
    String phoneCookie = signIn(stack.port(), phone);
    String laptopCookie = signIn(stack.port(), laptop);
    try (OpenFeed phoneFeed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", phoneCookie))) {
      assertThat(phoneFeed.status()).isEqualTo(200);

      Response answered = postLogout(stack.port(), logoutToken(null, "phone-session", claims -> claims));

      assertThat(answered.status()).as(answered.toString()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(1)).until(phoneFeed::ended);
    }
    assertThat(stack.sg.sessionCount("two-sessions")).as("the phone's session ended at SG, the laptop's did not")
        .isEqualTo(1);
    assertThat(withCookie(stack.port(), phoneCookie)).isEqualTo(401);
    assertThat(stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(phone)).status()).isEqualTo(401);
    assertThat(withCookie(stack.port(), laptopCookie)).isEqualTo(200);
    assertThat(withBearer(stack.port(), laptop)).isEqualTo(200);
  }

  @Test
  void aLogoutEndsTheWebSocketsOfItsTokensWithinASecond() {
    String token = accessToken("socket-user", "socket-session");
    String cookie = signIn(stack.port(), token);
    // Its own cookie session: bearer clients of one user share the session held for them, which the logout ends.
    String otherDevice = signIn(stack.port(), accessToken("socket-user", "other-device"));
    WebSocketClient client = stack.vertx.createWebSocketClient();
    try {
      AtomicBoolean bearerClosed = new AtomicBoolean();
      AtomicBoolean cookieClosed = new AtomicBoolean();
      AtomicBoolean otherClosed = new AtomicBoolean();
      stack.openBlipSocket(client, Map.of("authorization", "Bearer " + token), bearerClosed);
      stack.openBlipSocket(client, Map.of("cookie", cookie), cookieClosed);
      stack.openBlipSocket(client, Map.of("cookie", otherDevice), otherClosed);

      assertThat(postLogout(stack.port(), logoutToken(null, "socket-session", claims -> claims)).status()).isEqualTo(200);

      Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> bearerClosed.get() && cookieClosed.get());
      assertThat(otherClosed).as("another provider session's WebSocket").isFalse();
    } finally {
      client.shutdown(0, TimeUnit.SECONDS).await();
    }
  }


  @Test
  void anotherInstanceEndsTheFeedsAndRefusesTheTokensOfALogoutItDidNotReceive() throws Exception {
    Vertx otherVertx = Vertx.vertx();
    Syncgate other = Syncgate.start(otherVertx, stack.config(Map.of("SYNCGATE_SESSION_LOGOUT_REFRESH_INTERVAL", "300ms")),
        stack.clock).await();
    try {
      String token = accessToken("elsewhere", "elsewhere-session");
      String cookie = signIn(other.publicPort(), token);
      assertThat(withBearer(other.publicPort(), token)).isEqualTo(200);
      try (OpenFeed feed = OpenFeed.open(otherVertx, other.publicPort(), FEED, Http.bearer(token))) {
        assertThat(feed.status()).isEqualTo(200);

        // Named by its provider session only: the instance that receives it knows none of its sessions.
        assertThat(postLogout(stack.port(), logoutToken(null, "elsewhere-session", claims -> claims)).status())
            .isEqualTo(200);

        Awaitility.await().atMost(Duration.ofSeconds(3)).until(feed::ended);
      }
      assertThat(withBearer(other.publicPort(), token)).isEqualTo(401);
      assertThat(withCookie(other.publicPort(), cookie)).isEqualTo(401);
      assertThat(withBearer(stack.port(), token)).isEqualTo(401);
      Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> stack.sg.sessionCount("elsewhere") == 0);
    } finally {
      other.close().await();
      otherVertx.close().await();
    }
  }

  @Test
  void logoutsThatTwoInstancesReceiveAtOnceAreAllKept() throws Exception {
    Vertx otherVertx = Vertx.vertx();
    Syncgate other = Syncgate.start(otherVertx, stack.config(Map.of("SYNCGATE_SESSION_LOGOUT_REFRESH_INTERVAL", "300ms")),
        stack.clock).await();
    try {
      List<String> tokens = new ArrayList<>();
      List<CompletableFuture<Response>> answers = new ArrayList<>();
      for (int user = 0; user < 8; user++) {
        tokens.add(accessToken("racing-" + user, "racing-session-" + user));
        String logout = logoutToken("racing-" + user, null, claims -> claims);
        // Each instance reads, merges and writes the one document: most writes meet a 409 and merge again.
        int port = user % 2 == 0 ? stack.port() : other.publicPort();
        answers.add(CompletableFuture.supplyAsync(() -> postLogout(port, logout)));
      }
      for (CompletableFuture<Response> answer : answers) {
        assertThat(answer.get().status()).as(answer.get().toString()).isEqualTo(200);
      }

      Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
        for (String token : tokens) {
          assertThat(stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token)).status()).isEqualTo(401);
          assertThat(stack.http.post(other.publicPort(), "/sync/todo/_session", Http.bearer(token)).status())
              .isEqualTo(401);
        }
      });
    } finally {
      other.close().await();
      otherVertx.close().await();
    }
  }

  @Test
  void failedSignInsDoNotStarveTheEndpointAndFailedLogoutsAreLimitedOnTheirOwn() throws Exception {
    Vertx otherVertx = Vertx.vertx();
    Syncgate other = Syncgate.start(otherVertx, stack.config(Map.of()), stack.clock).await();
    try {
      String forged = accessToken("limited", "limited-session");
      forged = forged.substring(0, forged.lastIndexOf('.') + 1) + "AAAA";
      int signIns = 0;
      while (stack.http.post(other.publicPort(), "/sync/todo/_session", Http.bearer(forged)).status() != 429) {
        assertThat(++signIns).as("failed sign-ins are limited").isLessThan(100);
      }
      assertThat(postLogout(other.publicPort(), logoutToken("limited", null, claims -> claims)).status())
          .as("after failed sign-ins").isEqualTo(200);

      String forgedLogout = logoutToken("limited", null, claims -> claims);
      forgedLogout = forgedLogout.substring(0, forgedLogout.lastIndexOf('.') + 1) + "AAAA";
      for (int i = 0; i < BackchannelLogout.FAILURES_PER_CLIENT_PER_MINUTE; i++) {
        assertThat(postLogout(other.publicPort(), forgedLogout).status()).isEqualTo(400);
      }
      Response limited = postLogout(other.publicPort(), logoutToken("limited", null, claims -> claims));
      assertThat(limited.status()).isEqualTo(400);
      assertThat(limited.json().getString("reason"))
          .isEqualTo("too many invalid logout tokens from this address: try again later");
    } finally {
      other.close().await();
      otherVertx.close().await();
    }
  }

  @Test
  void logoutTokensTheSpecificationRefusesChangeNothingAndGet400() {
    String token = accessToken("still-here", "kept-session");
    String cookie = signIn(stack.port(), token);
    String valid = logoutToken("still-here", "kept-session", claims -> claims);
    String[] parts = valid.split("\\.");
    String otherPayload = logoutToken("someone-else", null, claims -> claims).split("\\.")[1];
    Map<String, String> refused = new java.util.LinkedHashMap<>();
    refused.put("forged", parts[0] + "." + otherPayload + "." + parts[2]);
    refused.put("nonce", logoutToken("still-here", null, claims -> claims.claim("nonce", "n-0S6_WzA2Mj")));
    refused.put("wrong audience", logoutToken("still-here", null, claims -> claims.audience("another-client")));
    refused.put("no event", logoutToken("still-here", null, claims -> claims.claim("events", Map.of())));
    refused.put("event not an object", logoutToken("still-here", null,
        claims -> claims.claim("events", Map.of(LogoutTokens.EVENT, "yes"))));
    refused.put("no jti", logoutToken("still-here", null, claims -> claims.jwtID(null)));
    refused.put("no iat", logoutToken("still-here", null, claims -> claims.issueTime(null)));
    refused.put("neither sub nor sid", logoutToken(null, null, claims -> claims));
    refused.put("expired", logoutToken("still-here", null,
        claims -> claims.expirationTime(Date.from(stack.clock.instant().minusSeconds(1)))));
    refused.put("other issuer", logoutToken("still-here", null, claims -> claims.issuer("https://elsewhere.example")));
    refused.put("access token", token);
    refused.put("old, without exp", logoutToken("still-here", null, claims -> claims.expirationTime(null)
        .issueTime(Date.from(stack.clock.instant().minus(LogoutTokens.MAX_AGE_WITHOUT_EXPIRY).minusSeconds(1)))));
    stack.sg.forgetRequests();

    refused.forEach((what, logout) -> {
      Response answer = postLogout(stack.port(), logout);
      assertThat(answer.status()).as(what + ": " + answer).isEqualTo(400);
      assertThat(answer.header("cache-control")).as(what).isEqualTo("no-store");
      assertThat(answer.json().getString("reason")).as(what).isNotBlank();
    });
    Response notAForm = stack.http.send(HttpMethod.POST, stack.port(), LOGOUT, Map.of("content-type", "application/json"),
        Buffer.buffer("{\"logout_token\":\"" + valid + "\"}"));
    assertThat(notAForm.status()).isEqualTo(400);
    Response twoTokens = stack.http.send(HttpMethod.POST, stack.port(), LOGOUT,
        Map.of("content-type", "application/x-www-form-urlencoded"),
        Buffer.buffer("logout_token=" + valid + "&logout_token=" + valid));
    assertThat(twoTokens.status()).isEqualTo(400);
    Response tooLarge = stack.http.send(HttpMethod.POST, stack.port(), LOGOUT,
        Map.of("content-type", "application/x-www-form-urlencoded"), Buffer.buffer("logout_token=" + "a".repeat(70_000)));
    assertThat(tooLarge.status()).isEqualTo(400);

    assertThat(stack.sg.adminRequests()).as("nothing reached Sync Gateway").isEmpty();
    assertThat(withCookie(stack.port(), cookie)).isEqualTo(200);
    assertThat(withBearer(stack.port(), token)).isEqualTo(200);

    assertThat(postLogout(stack.port(), valid).status()).isEqualTo(200);
    stack.clock.advance(Duration.ofSeconds(1));
    String fresh = accessToken("still-here", "next-session");
    String freshCookie = signIn(stack.port(), fresh);
    stack.sg.forgetRequests();
    Response replayed = postLogout(stack.port(), valid);
    assertThat(replayed.status()).isEqualTo(400);
    assertThat(replayed.json().getString("reason")).isEqualTo("logout token was already used");
    assertThat(stack.sg.adminRequests()).as("the replay reached nothing").isEmpty();
    assertThat(withCookie(stack.port(), freshCookie)).isEqualTo(200);
  }

  @Test
  void aLogoutTokenOpensNoSession() {
    String typedAsJwt = stack.idp.sign(TestStack.ISSUER_ID, header -> header.type(JOSEObjectType.JWT),
        new JWTClaimsSet.Builder()
            .issuer(stack.idp.issuer(TestStack.ISSUER_ID))
            .audience(TestStack.AUDIENCE)
            .subject("logout-as-access")
            .issueTime(Date.from(stack.clock.instant()))
            .expirationTime(Date.from(stack.clock.instant().plusSeconds(120)))
            .jwtID(UUID.randomUUID().toString())
            .claim("events", Map.of(LogoutTokens.EVENT, Map.of()))
            .build());

    Response refused = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(typedAsJwt));

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("reason")).isEqualTo("token is a logout token, not an access token");
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  @Test
  void browsersGetNoCorsFromTheLogoutEndpoint() {
    Response preflight = stack.http.send(HttpMethod.OPTIONS, stack.port(), LOGOUT, Map.of(
        "origin", "https://app.example", "access-control-request-method", "POST"), null);
    Response post = stack.http.send(HttpMethod.POST, stack.port(), LOGOUT, Map.of(
        "origin", "https://app.example", "content-type", "application/x-www-form-urlencoded"),
        Buffer.buffer("logout_token=x"));

    assertThat(preflight.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
    assertThat(post.status()).isEqualTo(400);
    assertThat(post.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
  }
}
