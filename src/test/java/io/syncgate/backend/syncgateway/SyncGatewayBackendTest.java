package io.syncgate.backend.syncgateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.syncgate.backend.BackendSession;
import io.syncgate.config.Provisioning;
import io.syncgate.config.SyncGatewayConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.syncgate.testing.FreePort;
import io.syncgate.testing.MutableClock;
import io.syncgate.testing.StandInBackend;
import io.syncgate.testing.SyncGatewayStandIn;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sync Gateway as a backend, against the stand-in's Admin API over a real socket. */
class SyncGatewayBackendTest {

  private static final Duration TTL = Duration.ofMinutes(10);
  /** "todo" registers users and grants channels from a claim; "closed" registers nobody. */
  private static final Map<String, Provisioning> PROVISIONING = Map.of(
      "todo", new Provisioning(true, null, "channels", List.of(), List.of("user-{name}"), "email", false),
      "closed", new Provisioning(false, null, null, List.of(), List.of(), null, false));

  private static final MutableClock clock = MutableClock.startingNow();
  private static StandInBackend standIn;
  private static SyncGatewayStandIn sg;

  @BeforeAll
  static void start() {
    standIn = StandInBackend.start(clock, "todo", "closed");
    sg = standIn.sg();
  }

  @AfterAll
  static void stop() {
    standIn.close();
  }

  @BeforeEach
  void forget() {
    sg.forgetRequests();
  }

  private static SyncGatewayConfig config() {
    return standIn.config();
  }

  private static SyncGatewayConfig adminAt(URI adminUrl) {
    return standIn.config(adminUrl, SyncGatewayStandIn.ADMIN_PASSWORD, List.of("todo"), Duration.ofSeconds(5));
  }

  private static SyncGatewayConfig presenting(String password) {
    return standIn.config(sg.adminUrl(), password, List.of("todo"), Duration.ofSeconds(5));
  }

  private static SyncGatewayConfig serving(String... databases) {
    return standIn.config(sg.adminUrl(), SyncGatewayStandIn.ADMIN_PASSWORD, List.of(databases), Duration.ofSeconds(5));
  }

  private static SyncGatewayBackend backend(SyncGatewayConfig config) {
    return standIn.backend(config, PROVISIONING);
  }

  private static Identity identity(String name, Object channels) {
    return new Identity("https://idp.example/", name, name, name, clock.instant().plus(Duration.ofHours(1)),
        clock.instant(), Map.of("channels", channels, "email", name + "@example.com"));
  }


  @Test
  void aFirstSignInCreatesTheUserWithItsGrantsAndASessionSyncGatewayHonours() {
    SyncGatewayBackend backend = backend(config());

    BackendSession session = backend.openSession("todo", identity("ann", List.of("team-a")), TTL).await();

    assertThat(session.cookieName()).isEqualTo(SyncGatewayStandIn.COOKIE_NAME);
    assertThat(session.expires()).isAfter(clock.instant().plus(TTL).minusSeconds(2));
    JsonObject user = sg.user("todo", "ann");
    assertThat(user.getJsonArray("admin_channels").getList()).containsExactlyInAnyOrder("team-a", "user-ann");
    assertThat(user.getString("email")).isEqualTo("ann@example.com");
    assertThat(backend.sessionExists("todo", "ann", session.sessionId()).await()).isTrue();
    assertThat(backend.sessionCookie(session.sessionId()))
        .isEqualTo(SyncGatewayStandIn.COOKIE_NAME + "=" + session.sessionId());
  }

  @Test
  void aDeletedSessionIsNoLongerHonouredAndDeletingItAgainSucceeds() {
    SyncGatewayBackend backend = backend(config());
    BackendSession session = backend.openSession("todo", identity("bob", List.of()), TTL).await();

    backend.deleteSession("todo", session.sessionId()).await();

    assertThat(backend.sessionExists("todo", "bob", session.sessionId()).await()).isFalse();
    backend.deleteSession("todo", session.sessionId()).await();
    assertThat(sg.sessionCount("bob")).isZero();
  }

  @Test
  void deletingAUsersSessionsEndsEveryOne() {
    SyncGatewayBackend backend = backend(config());
    Identity cy = identity("cy", List.of());
    BackendSession first = backend.openSession("todo", cy, TTL).await();
    backend.openSession("todo", cy, TTL).await();
    assertThat(sg.sessionCount("cy")).isEqualTo(2);

    backend.deleteSessions("todo", "cy").await();

    assertThat(sg.sessionCount("cy")).isZero();
    assertThat(backend.sessionExists("todo", "cy", first.sessionId()).await()).isFalse();
  }

  @Test
  void theUserIsWrittenAgainOnlyWhenItsGrantsChanged() {
    SyncGatewayBackend backend = backend(config());
    backend.openSession("todo", identity("dee", List.of("team-a")), TTL).await();
    sg.forgetRequests();

    backend.updateUser("todo", identity("dee", List.of("team-a"))).await();
    assertThat(sg.adminWrites()).isEmpty();

    backend.updateUser("todo", identity("dee", List.of("team-b"))).await();
    assertThat(sg.adminWrites()).singleElement().satisfies(put -> assertThat(put.uri()).isEqualTo("/todo/_user/dee"));
    assertThat(sg.user("todo", "dee").getJsonArray("admin_channels").getList())
        .containsExactlyInAnyOrder("team-b", "user-dee");
    assertThat(backend.grants("todo", identity("dee", List.of("team-b"))).channels())
        .containsExactlyInAnyOrder("team-b", "user-dee");
  }

  @Test
  void aDisabledUserGetsNoSessionAndItsOpenSessionsAreNoLongerHonoured() {
    SyncGatewayBackend backend = backend(config());
    String id = sg.openSession("todo", "eve", TTL);
    assertThat(backend.sessionExists("todo", "eve", id).await()).isTrue();

    sg.addUser("todo", "eve", true);

    assertThat(backend.sessionExists("todo", "eve", id).await()).isFalse();
    GatewayFailure refused = catchThrowableOfType(GatewayFailure.class,
            () -> backend.openSession("todo", identity("eve", List.of()), TTL).await());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.reason()).contains("disabled");
  }

  @Test
  void aDatabaseThatRegistersNobodyRefusesAnUnknownUser() {
    SyncGatewayBackend backend = backend(config());

    GatewayFailure refused = catchThrowableOfType(GatewayFailure.class,
            () -> backend.openSession("closed", identity("fay", List.of()), TTL).await());

    assertThat(refused.status()).isEqualTo(403);
    assertThat(sg.hasUser("closed", "fay")).isFalse();
    assertThat(sg.adminWrites()).isEmpty();
  }

  @Test
  void anUnknownDatabaseIsABadGateway() {
    SyncGatewayBackend backend = backend(serving("nowhere"));

    GatewayFailure failure = catchThrowableOfType(GatewayFailure.class,
            () -> backend.openSession("nowhere", identity("gus", List.of()), TTL).await());

    assertThat(failure.status()).isEqualTo(502);
    assertThat(failure.reason()).contains("404");
  }

  @Test
  void refusedAdminCredentialsAreABadGatewayThatNamesNoSecret() {
    SyncGatewayBackend backend = backend(presenting("wrong-password"));

    GatewayFailure failure = catchThrowableOfType(GatewayFailure.class,
            () -> backend.openSession("todo", identity("hal", List.of()), TTL).await());

    assertThat(failure.status()).isEqualTo(502);
    assertThat(failure.reason()).contains("401").doesNotContain("wrong-password");
    assertThat(sg.hasUser("todo", "hal")).isFalse();
  }

  @Test
  void anUnreachableAdminApiIsABadGateway() {
    URI nobody = URI.create("http://127.0.0.1:" + FreePort.next());
    SyncGatewayBackend backend = backend(adminAt(nobody));

    GatewayFailure failure = catchThrowableOfType(GatewayFailure.class,
            () -> backend.openSession("todo", identity("ida", List.of()), TTL).await());

    assertThat(failure.status()).isEqualTo(502);
    assertThat(failure.reason()).contains("unreachable");
  }

  @Test
  void anAdminApiThatDoesNotAnswerInTimeIsAGatewayTimeout() {
    SyncGatewayBackend backend = backend(
        standIn.config(sg.adminUrl(), SyncGatewayStandIn.ADMIN_PASSWORD, List.of("todo"), Duration.ofMillis(300)));
    sg.hangAdmin(true);
    try {
      GatewayFailure failure = catchThrowableOfType(GatewayFailure.class,
              () -> backend.sessionExists("todo", "jo", "0123").await());

      assertThat(failure.status()).isEqualTo(504);
    } finally {
      sg.hangAdmin(false);
    }
  }

  @Test
  void aLocalDocumentIsWrittenOnlyOverItsCurrentRevision() {
    SyncGatewayBackend backend = backend(config());
    assertThat(backend.localDocument("todo", "backend-test").await()).isNull();

    assertThat(backend.putLocalDocument("todo", "backend-test", new JsonObject().put("n", 1)).await()).isTrue();
    JsonObject stored = backend.localDocument("todo", "backend-test").await();
    assertThat(stored.getInteger("n")).isEqualTo(1);

    assertThat(backend.putLocalDocument("todo", "backend-test", stored.copy().put("n", 2)).await()).isTrue();
    assertThat(backend.putLocalDocument("todo", "backend-test", stored.copy().put("n", 3)).await())
        .as("written over a revision no longer current").isFalse();
    assertThat(backend.localDocument("todo", "backend-test").await().getInteger("n")).isEqualTo(2);
  }

  @Test
  void theDatabaseCheckSaysWhatIsWrongWithEachDatabase() {
    assertThat(SyncGatewayBackend.check(standIn.web(), config()).await()).isEmpty();

    List<String> problems = SyncGatewayBackend.check(standIn.web(), serving("todo", "nowhere")).await();
    assertThat(problems).singleElement().asString().contains("database nowhere").contains("no such database (404)");

    problems = SyncGatewayBackend.check(standIn.web(), presenting("wrong-password")).await();
    assertThat(problems).singleElement().asString().contains("(401)").doesNotContain("wrong-password");

    URI nobody = URI.create("http://127.0.0.1:" + FreePort.next());
    problems = SyncGatewayBackend.check(standIn.web(), adminAt(nobody)).await();
    assertThat(problems).singleElement().asString().contains("unreachable: connection refused");
  }
}
