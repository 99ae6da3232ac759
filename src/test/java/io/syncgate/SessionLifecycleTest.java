package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.server.Syncgate;
import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.OpenFeed;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.TestStack;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Access through Syncgate ends when the user's access ends: a cookie session at its token's
 * expiry however busy the client and on whichever instance, a session and its open feeds at
 * sign-out, every device's at revocation, a bearer client's feed at its token's expiry.
 */
class SessionLifecycleTest {

  private static final String FEED = "/sync/todo/_changes?feed=continuous&since=0&heartbeat=30000";

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  /** Another Syncgate with the same configuration, in a Vert.x of its own, as another process would be. */
  private static final class Instance implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final Syncgate syncgate;

    Instance() throws Exception {
      syncgate = Syncgate.start(vertx, stack.config(Map.of()), stack.clock).await();
      assertThat(syncgate.publicPort()).isNotEqualTo(stack.port());
    }

    int publicPort() {
      return syncgate.publicPort();
    }

    @Override
    public void close() {
      syncgate.close().await();
      vertx.close().await();
    }
  }

  private static String signIn(String token) {
    Response response = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return "SyncGatewaySession=" + response.json().getString("session_id");
  }

  private static Response get(int port, String cookie) {
    return stack.http.get(port, "/sync/todo/", Map.of("cookie", cookie));
  }

  @Test
  void aBusyCookieClientIsRefusedRightAfterItsTokenExpiresOnEveryInstance() throws Exception {
    String cookie = signIn(stack.idp.token(TestStack.ISSUER_ID, "busy-user", TestStack.AUDIENCE, 120));
    Instance second = new Instance();
    try {
      // A request every second for the token's two minutes: SG renews the session all along.
      for (int second_ = 0; second_ < 119; second_++) {
        assertThat(get(stack.port(), cookie).status()).as("second %d", second_).isEqualTo(200);
        stack.clock.advance(Duration.ofSeconds(1));
      }
      assertThat(get(second.publicPort(), cookie).status()).isEqualTo(200);
      stack.clock.advance(Duration.ofSeconds(1));

      for (int port : new int[] {stack.port(), second.publicPort()}) {
        Response refused = get(port, cookie);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().getString("reason")).isEqualTo("token expired: sign in again");
        assertThat(refused.header("set-cookie")).startsWith("SyncGatewaySession=; Path=/sync/todo; Expires=Thu, 01 Jan 1970");
      }
      // Signing in again with a fresh token opens a new session.
      assertThat(get(stack.port(), signIn(stack.token("busy-user"))).status()).isEqualTo(200);
    } finally {
      second.close();
    }
  }

  @Test
  void signOutEndsTheSessionItsOpenFeedAndTheCookie() {
    String cookie = signIn(stack.token("leaving-user"));
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", cookie))) {
      assertThat(feed.status()).isEqualTo(200);

      Response signOut = stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session", Map.of("cookie", cookie), null);

      assertThat(signOut.status()).as(signOut.toString()).isEqualTo(200);
      assertThat(signOut.json().getBoolean("ok")).isTrue();
      assertThat(signOut.header("set-cookie")).startsWith("SyncGatewaySession=; Path=/sync/todo; Expires=Thu, 01 Jan 1970");
      Awaitility.await().atMost(Duration.ofSeconds(1)).until(feed::ended);
      assertThat(stack.sg.sessionCount("leaving-user")).isZero();
      assertThat(get(stack.port(), cookie).status()).isEqualTo(401);
    }
  }

  @Test
  void signOutEndsARunningLivePouchDbReplicationWithinASecond() throws Exception {
    JsonObject result = PouchDbClient.run("signout.js", new JsonObject()
        .put("remote", stack.url(TestStack.DB)).put("token", stack.token("pouch-leaving")));

    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
    assertThat(result.getInteger("signOutStatus")).isEqualTo(200);
    assertThat(result.getString("howEnded")).as(result.encodePrettily()).isNotEqualTo("still running");
    assertThat(result.getLong("endedAfterMs")).as(result.encodePrettily()).isLessThanOrEqualTo(1000L);
    assertThat(result.getInteger("oldCookieStatus")).isEqualTo(401);
  }

  @Test
  void revokingAllEndsEveryDevicesSessionsAndFeeds() {
    String phone = signIn(stack.token("two-devices"));
    String laptop = signIn(stack.token("two-devices"));
    try (OpenFeed phoneFeed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", phone));
        OpenFeed laptopFeed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", laptop))) {
      assertThat(stack.sg.sessionCount("two-devices")).isEqualTo(2);

      Response revoked = stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session?all=true",
          Map.of("cookie", phone), null);

      assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> phoneFeed.ended() && laptopFeed.ended());
      assertThat(stack.sg.sessionCount("two-devices")).isZero();
      assertThat(get(stack.port(), laptop).status()).isEqualTo(401);
      assertThat(get(stack.port(), phone).status()).isEqualTo(401);
    }
  }

  @Test
  void aBearerClientsFeedEndsAtItsTokensExpiry() {
    String token = stack.idp.token(TestStack.ISSUER_ID, "short-token", TestStack.AUDIENCE, 60);
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Http.bearer(token))) {
      assertThat(feed.status()).isEqualTo(200);
      stack.clock.advance(Duration.ofSeconds(59));
      assertThat(feed.ended()).isFalse();

      stack.clock.advance(Duration.ofSeconds(1));

      Awaitility.await().atMost(Duration.ofSeconds(1)).until(feed::ended);
      assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(401);
    }
  }

  @Test
  void aWebSocketEndsAtItsTokensExpiryAndAtSignOut() {
    String shortToken = stack.idp.token(TestStack.ISSUER_ID, "socket-expiring", TestStack.AUDIENCE, 60);
    String cookie = signIn(stack.token("socket-leaving"));
    WebSocketClient client = stack.vertx.createWebSocketClient();
    try {
      AtomicBoolean expiredClosed = new AtomicBoolean();
      AtomicBoolean signedOutClosed = new AtomicBoolean();
      stack.openBlipSocket(client, Map.of("authorization", "Bearer " + shortToken), expiredClosed);
      stack.openBlipSocket(client, Map.of("cookie", cookie), signedOutClosed);

      stack.clock.advance(Duration.ofSeconds(60));
      Awaitility.await().atMost(Duration.ofSeconds(1)).untilTrue(expiredClosed);
      assertThat(signedOutClosed).isFalse();

      stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session", Map.of("cookie", cookie), null);
      Awaitility.await().atMost(Duration.ofSeconds(1)).untilTrue(signedOutClosed);
    } finally {
      client.shutdown(0, TimeUnit.SECONDS).await();
    }
  }


  @Test
  void aBearerClientSignsOutTheSessionHeldForIt() {
    String token = stack.token("bearer-leaving");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    assertThat(stack.sg.sessionCount("bearer-leaving")).isEqualTo(1);

    Response signOut = stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session", Http.bearer(token), null);

    assertThat(signOut.status()).isEqualTo(200);
    assertThat(stack.sg.sessionCount("bearer-leaving")).isZero();
    // The token is still valid: the next request opens a new session.
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    assertThat(stack.sg.sessionCount("bearer-leaving")).isEqualTo(1);
  }

  @Test
  void aSessionWorksThroughAnotherInstanceAndSignOutThereEndsThisOnesFeed() throws Exception {
    String cookie = signIn(stack.token("roaming-user"));
    Instance other = new Instance();
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", cookie))) {
      assertThat(get(other.publicPort(), cookie).status()).isEqualTo(200);

      Response signOut = stack.http.send(HttpMethod.DELETE, other.publicPort(), "/sync/todo/_session",
          Map.of("cookie", cookie), null);

      assertThat(signOut.status()).isEqualTo(200);
      // This instance learns it from SG within the revalidation interval (1 s in the test stack).
      Awaitility.await().atMost(Duration.ofSeconds(3)).until(feed::ended);
    } finally {
      other.close();
    }
  }

  @Test
  void withoutRevalidationAFeedOutlivesASignOutElsewhere() throws Exception {
    stack.restartSyncgate(Map.of("SYNCGATE_SESSION_REVALIDATE_INTERVAL", "1h"));
    String cookie = signIn(stack.token("unchecked-user"));
    Instance other = new Instance();
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", cookie))) {
      stack.http.send(HttpMethod.DELETE, other.publicPort(), "/sync/todo/_session", Map.of("cookie", cookie), null);

      // What ends the feed in the test above is revalidation at SG, nothing else: SG never ends it (SG #3727).
      Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(2)).until(() -> !feed.ended());
      assertThat(get(stack.port(), cookie).status()).isEqualTo(401);
    } finally {
      other.close();
      stack.restartSyncgate(Map.of());
    }
  }

  @Test
  void aUserDisabledAtSyncGatewayLosesTheirOpenFeedAtTheNextRevalidation() {
    String cookie = signIn(stack.token("disabled-later"));
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Map.of("cookie", cookie))) {
      assertThat(feed.status()).isEqualTo(200);

      stack.sg.addUser("todo", "disabled-later", true);

      Awaitility.await().atMost(Duration.ofSeconds(3)).until(feed::ended);
    }
  }

  @Test
  void revokingAllTakesASessionStillInForce() {
    String cookie = signIn(stack.idp.token(TestStack.ISSUER_ID, "old-ticket", TestStack.AUDIENCE, 60));
    String fresh = signIn(stack.token("old-ticket"));
    stack.clock.advance(Duration.ofSeconds(61));

    Response refused = stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session?all=true",
        Map.of("cookie", cookie), null);

    assertThat(refused.status()).isEqualTo(401);
    assertThat(get(stack.port(), fresh).status()).isEqualTo(200);
  }

  @Test
  void aFeedRetriedOnAFreshSessionEndsWhenThatSessionIsSignedOut() throws Exception {
    // No revalidation to help: the sign-out alone must find the feed on the session it now runs on.
    stack.restartSyncgate(Map.of("SYNCGATE_SESSION_REVALIDATE_INTERVAL", "1h"));
    String token = stack.token("retried-feed");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    stack.sg.deleteSessionsOf("retried-feed"); // the held session is gone behind Syncgate's back

    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), FEED, Http.bearer(token))) {
      assertThat(feed.status()).isEqualTo(200);

      stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session", Http.bearer(token), null);

      Awaitility.await().atMost(Duration.ofSeconds(1)).until(feed::ended);
    } finally {
      stack.restartSyncgate(Map.of());
    }
  }

  @Test
  void aForgedOrForeignTicketIsRefused() {
    String cookie = signIn(stack.token("forger"));
    String forged = cookie.substring(0, cookie.length() - 2) + (cookie.endsWith("AA") ? "BB" : "AA");

    assertThat(get(stack.port(), forged).status()).isEqualTo(401);
    assertThat(stack.http.get(stack.port(), "/sync/notes/", Map.of("cookie", cookie)).json().getString("reason"))
        .isEqualTo("the session cookie belongs to another database: sign in again");
  }
}
