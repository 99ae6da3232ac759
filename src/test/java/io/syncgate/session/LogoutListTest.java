package io.syncgate.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.backend.Backend;
import io.syncgate.identity.LogoutSubject;
import io.syncgate.testing.MutableClock;
import io.syncgate.testing.StandInBackend;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider logouts every instance honours, kept in a _local document of the stand-in, read over a real socket. */
class LogoutListTest {

  private static final Duration REFRESH = Duration.ofMillis(100);
  private static final String ISSUER = "https://idp.example/";
  private static final String SECRET = "a-cookie-secret-of-at-least-32-characters";

  private final MutableClock clock = MutableClock.startingNow();
  private StandInBackend standIn;
  private Backend backend;
  private final List<LogoutList> lists = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    standIn = StandInBackend.start(clock, "todo");
    backend = standIn.backend(Map.of());
  }

  @AfterEach
  void stop() {
    lists.forEach(LogoutList::close);
    standIn.close();
  }

  /** One instance's list; what it learns is added to {@code learned}. */
  private LogoutList instance(List<String> learned) {
    LogoutList list = new LogoutList(standIn.vertx(), backend, "todo", clock, Duration.ofHours(1), REFRESH,
        List.of(SECRET), entries -> learned.addAll(entries.keySet()));
    lists.add(list);
    return list;
  }

  /** A token's keys; its {@code iat}, like a logout token's, in whole seconds. */
  private LogoutSubject token(String subject, Instant issuedAt) {
    return LogoutSubject.of(ISSUER, subject, null, issuedAt.truncatedTo(ChronoUnit.SECONDS));
  }

  @Test
  void aLogoutEndsTheUsersEarlierTokensHereAtOnceAndOnEveryOtherInstanceSoon() throws Exception {
    List<String> learnedHere = new CopyOnWriteArrayList<>();
    List<String> learnedThere = new CopyOnWriteArrayList<>();
    LogoutList here = instance(learnedHere);
    LogoutList there = instance(learnedThere);
    Instant logoutAt = clock.instant();

    here.add(token("ann", logoutAt)).await(5, TimeUnit.SECONDS);

    assertThat(here.refuses(token("ann", logoutAt.minusSeconds(60)))).isTrue();
    assertThat(learnedHere).containsExactly(token("ann", logoutAt).subjectKey());
    Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> there.refuses(token("ann", logoutAt.minusSeconds(60))));
    assertThat(learnedThere).containsExactly(token("ann", logoutAt).subjectKey());
    assertThat(there.refuses(token("ann", logoutAt.plusSeconds(1)))).as("a token issued after the logout").isFalse();
    assertThat(there.refuses(token("bob", logoutAt.minusSeconds(60)))).isFalse();
    assertThat(there.refuses(null)).isFalse();
  }

  @Test
  void logoutsWrittenAtOnceFromTwoInstancesAreBothKept() throws Exception {
    LogoutList one = instance(new CopyOnWriteArrayList<>());
    LogoutList other = instance(new CopyOnWriteArrayList<>());
    Instant at = clock.instant();

    List<Future<Void>> writes = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      writes.add(one.add(token("one-" + i, at)));
      writes.add(other.add(token("other-" + i, at)));
    }
    Future.all(writes).await(10, TimeUnit.SECONDS);

    LogoutList late = instance(new CopyOnWriteArrayList<>());
    Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> late.refuses(token("one-0", at)));
    for (int i = 0; i < 3; i++) {
      assertThat(late.refuses(token("one-" + i, at))).isTrue();
      assertThat(late.refuses(token("other-" + i, at))).isTrue();
    }
  }

  @Test
  void aLogoutIsForgottenOnceKeptLongEnough() throws Exception {
    LogoutList list = instance(new CopyOnWriteArrayList<>());
    Instant at = clock.instant();
    list.add(token("cy", at)).await(5, TimeUnit.SECONDS);

    clock.advance(Duration.ofHours(1).plusSeconds(1));
    // The next write merges the document and drops what is past its time.
    list.add(token("dee", clock.instant())).await(5, TimeUnit.SECONDS);

    Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> !list.refuses(token("cy", at)));
    LogoutList late = instance(new CopyOnWriteArrayList<>());
    Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> late.refuses(token("dee", clock.instant())));
    assertThat(late.refuses(token("cy", at))).isFalse();
  }

  @Test
  void aListAClientWroteWithoutTheCookieSecretLogsNobodyOut() throws Exception {
    // What a signed-in user can do through Sync Gateway's public API: write the _local document.
    Instant at = clock.instant();
    JsonObject forged = new JsonObject().put("logouts", new JsonObject().put(token("eve", at).subjectKey(),
        new JsonArray().add(at.getEpochSecond()).add(at.plusSeconds(3600).getEpochSecond()))).put("mac", "forged");
    assertThat(backend.putLocalDocument("todo", LogoutList.DOCUMENT, forged).await(5, TimeUnit.SECONDS)).isTrue();
    List<String> learned = new CopyOnWriteArrayList<>();
    LogoutList reader = instance(learned);

    // A real logout after it: its write reads the document, finds it unsigned, and replaces it.
    instance(new CopyOnWriteArrayList<>()).add(token("fay", at)).await(5, TimeUnit.SECONDS);

    Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> reader.refuses(token("fay", at)));
    assertThat(reader.refuses(token("eve", at.minusSeconds(60)))).as("the forged entry").isFalse();
    assertThat(learned).containsExactly(token("fay", at).subjectKey());
  }
}
