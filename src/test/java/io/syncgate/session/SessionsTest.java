package io.syncgate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.syncgate.backend.Backend;
import io.syncgate.config.CookiePolicy;
import io.syncgate.config.Provisioning;
import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.syncgate.testing.MutableClock;
import io.syncgate.testing.StandInBackend;
import io.syncgate.testing.SyncGatewayStandIn;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session life, against the stand-in's Admin API over a real socket. */
class SessionsTest {

  private static final String SECRET = "a-cookie-secret-of-at-least-32-characters";
  private static final Duration REVALIDATE = Duration.ofMillis(200);

  private static final MutableClock clock = MutableClock.startingNow();
  private static StandInBackend standIn;
  private static SyncGatewayStandIn sg;
  private Sessions sessions;

  @BeforeAll
  static void start() {
    standIn = StandInBackend.start(clock, "todo", "notes");
    sg = standIn.sg();
  }

  @AfterAll
  static void stop() {
    standIn.close();
  }

  @BeforeEach
  void open() {
    Provisioning grantsFromClaim = new Provisioning(true, null, "channels", List.of(), List.of(), null, false);
    Backend backend = standIn.backend(Map.of("todo", grantsFromClaim, "notes", grantsFromClaim));
    SessionPolicy policy = new SessionPolicy(Duration.ofHours(24), 100, List.of(SECRET), false, REVALIDATE, 30, 100,
        Duration.ofHours(24), Duration.ofSeconds(5));
    sessions = new Sessions(standIn.vertx(), backend, backend, policy,
        new CookiePolicy(true, CookiePolicy.SameSite.LAX), "/sync", List.of("todo", "notes"), List.of(SECRET), clock,
        new SimpleMeterRegistry());
    sg.forgetRequests();
  }

  @AfterEach
  void close() {
    sessions.close();
  }

  private static Identity token(String name, Instant issuedAt, String... channels) {
    return new Identity("https://idp.example/", name, name, name, issuedAt.plus(Duration.ofHours(1)), issuedAt,
        Map.of("channels", List.of(channels)));
  }

  private static long sessionsOpened() {
    return sg.adminRequests().stream().filter(r -> r.method().equals("POST") && r.uri().endsWith("/_session")).count();
  }

  private static long usersWritten() {
    return sg.adminRequests().stream().filter(r -> r.method().equals("PUT") && r.uri().contains("/_user/")).count();
  }

  private static CompletableFuture<Void> stream(Sessions sessions, SessionRef session) {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    sessions.streams().register(session, () -> ended.complete(null));
    return ended;
  }

  @Test
  void aBearerClientsSessionIsOpenedOnceAndReused() {
    Identity ann = token("ann", clock.instant(), "team-a");

    Sessions.Presented first = sessions.forBearer("todo", ann).await();
    Sessions.Presented second = sessions.forBearer("todo", ann).await();

    assertThat(second.backendCookie()).isEqualTo(first.backendCookie())
        .startsWith(SyncGatewayStandIn.COOKIE_NAME + "=");
    assertThat(sessionsOpened()).isEqualTo(1);
    assertThat(sessions.heldFor("todo", ann).sessionId()).isEqualTo(first.session().sessionId());
    assertThat(sessions.forBearer("notes", ann).await().backendCookie()).as("another database, another session")
        .isNotEqualTo(first.backendCookie());
  }

  @Test
  void aNewerTokenThatGrantsOtherwiseUpdatesTheUserOnceAndKeepsTheSession() {
    Instant issued = clock.instant();
    Sessions.Presented first = sessions.forBearer("todo", token("bob", issued, "team-a")).await();

    Sessions.Presented newer = sessions.forBearer("todo", token("bob", issued.plusSeconds(60), "team-b")).await();
    sessions.forBearer("todo", token("bob", issued.plusSeconds(60), "team-b")).await();

    assertThat(newer.backendCookie()).isEqualTo(first.backendCookie());
    assertThat(usersWritten()).as("created, then updated once").isEqualTo(2);
    assertThat(sg.user("todo", "bob").getJsonArray("admin_channels").getList()).containsExactly("team-b");

    sessions.forBearer("todo", token("bob", issued, "team-a")).await();
    assertThat(usersWritten()).as("an older token changes nothing").isEqualTo(2);
    assertThat(sg.user("todo", "bob").getJsonArray("admin_channels").getList()).containsExactly("team-b");
  }

  @Test
  void aSessionTheBackendRefusedIsReplacedOnTheNextRequest() {
    Identity cy = token("cy", clock.instant());
    Sessions.Presented first = sessions.forBearer("todo", cy).await();

    sessions.forgetRefused(first.session());
    Sessions.Presented second = sessions.forBearer("todo", cy).await();

    assertThat(second.backendCookie()).isNotEqualTo(first.backendCookie());
    assertThat(sessionsOpened()).isEqualTo(2);
    sessions.forgetRefused(first.session());
    assertThat(sessions.forBearer("todo", cy).await().backendCookie())
        .as("a late refusal of the old session leaves the new one held").isEqualTo(second.backendCookie());
  }

  @Test
  void aRefusedSessionIsReplacedInOneStep() {
    Identity eve = token("eve", clock.instant());
    Sessions.Presented first = sessions.forBearer("todo", eve).await();

    Sessions.Presented replacement = sessions.replaceRefused(first.session(), eve).await();

    assertThat(replacement.backendCookie()).isNotEqualTo(first.backendCookie());
    assertThat(replacement.session().db()).isEqualTo("todo");
    assertThat(sessions.forBearer("todo", eve).await().backendCookie()).as("the replacement is held from now on")
        .isEqualTo(replacement.backendCookie());
  }

  @Test
  void aCookieClientsTicketPresentsItsSessionInItsDatabaseUntilItsDeadline() {
    Sessions.SignedIn signedIn = sessions.signIn("todo", token("dee", clock.instant())).await();

    assertThat(signedIn.setCookie())
        .startsWith(SyncGatewayStandIn.COOKIE_NAME + "=" + signedIn.ticket() + "; Path=/sync/todo;");
    assertThat(sessions.cookieIn(List.of("a=1; " + SyncGatewayStandIn.COOKIE_NAME + "=" + signedIn.ticket())))
        .isEqualTo(signedIn.ticket());
    Sessions.Presented presented = sessions.forCookie("todo", signedIn.ticket());
    assertThat(presented.backendCookie())
        .isEqualTo(SyncGatewayStandIn.COOKIE_NAME + "=" + signedIn.session().sessionId());
    assertThat(catchThrowableOfType(GatewayFailure.class,
            () -> sessions.forCookie("notes", signedIn.ticket())).status()).isEqualTo(401);
    assertThat(catchThrowableOfType(GatewayFailure.class,
            () -> sessions.forCookie("todo", signedIn.session().sessionId())).reason())
        .contains("not opened through Syncgate");
    assertThat(sessions.ticketOf("notes", signedIn.ticket())).isNull();

    clock.advance(Duration.ofHours(1).plusSeconds(1));
    try {
      assertThat(catchThrowableOfType(GatewayFailure.class,
              () -> sessions.forCookie("todo", signedIn.ticket())).reason()).contains("expired");
      assertThat(sessions.ticketOf("todo", signedIn.ticket()).sessionId()).as("sign-out still finds it")
          .isEqualTo(signedIn.session().sessionId());
    } finally {
      clock.advance(Duration.ofHours(-1).minusSeconds(1));
    }
  }

  @Test
  void signingOutEndsTheSessionAtTheBackendAndItsStreamsHere() throws Exception {
    Sessions.SignedIn eve = sessions.signIn("todo", token("eve", clock.instant())).await();
    Sessions.SignedIn other = sessions.signIn("todo", token("eve", clock.instant())).await();
    CompletableFuture<Void> eveStream = stream(sessions, eve.session());
    stream(sessions, other.session());

    sessions.signOut(eve.session()).await();

    eveStream.get(5, TimeUnit.SECONDS);
    assertThat(sessions.streams().size()).as("the other session's stream stays").isEqualTo(1);
    assertThat(sg.sessionCount("eve")).isEqualTo(1);
  }

  @Test
  void revokingAUserEndsItsSessionsAndStreamsInThatDatabaseOnly() throws Exception {
    Identity fay = token("fay", clock.instant());
    Sessions.Presented held = sessions.forBearer("todo", fay).await();
    Sessions.Presented elsewhere = sessions.forBearer("notes", fay).await();
    CompletableFuture<Void> ended = stream(sessions, held.session());
    stream(sessions, elsewhere.session());

    sessions.revokeAll("todo", "fay").await();

    ended.get(5, TimeUnit.SECONDS);
    assertThat(sessions.streams().size()).isEqualTo(1);
    assertThat(sessions.heldFor("todo", fay)).isNull();
    assertThat(sessions.forBearer("todo", fay).await().backendCookie()).isNotEqualTo(held.backendCookie());
  }

  @Test
  void aStreamEndsAtItsDeadlineUnlessItFinishedFirst() throws Exception {
    Instant soon = clock.instant().plusSeconds(1);
    CompletableFuture<Void> ending = stream(sessions, new SessionRef("todo", "gus", "session-1", soon));
    CompletableFuture<Void> finished = new CompletableFuture<>();
    sessions.streams().register(new SessionRef("todo", "gus", "session-2", soon), () -> finished.complete(null))
        .cancel();

    clock.advance(Duration.ofSeconds(2));
    try {
      ending.get(5, TimeUnit.SECONDS);
    } finally {
      clock.advance(Duration.ofSeconds(-2));
    }
    assertThat(sessions.streams().size()).isZero();
    assertThat(finished).isNotDone();
  }

  @Test
  void aStreamEndsWhenTheBackendForgetsItsSessionAndFollowsItsSessionWhenMoved() throws Exception {
    Instant later = clock.instant().plus(Duration.ofHours(1));
    SessionRef old = new SessionRef("todo", "hal", sg.openSession("todo", "hal", Duration.ofHours(1)), later);
    CompletableFuture<Void> ended = new CompletableFuture<>();
    SessionStreams.Registration registration = sessions.streams().register(old, () -> ended.complete(null));
    SessionRef fresh = new SessionRef("todo", "hal", sg.openSession("todo", "hal", Duration.ofHours(1)), later);
    registration.moveTo(fresh);

    sessions.signOut(old).await();
    Thread.sleep(REVALIDATE.toMillis() * 3);
    assertThat(ended).as("it runs on the fresh session now").isNotDone();

    sg.deleteSessionsOf("hal");
    ended.get(5, TimeUnit.SECONDS);
    assertThat(sessions.streams().size()).isZero();
  }
}
