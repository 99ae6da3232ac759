package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http.Response;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readiness follows Sync Gateway: Syncgate asks SG's Admin API about each database with its own
 * credentials ({@code GET /{db}/}), at start and then on a schedule; a few failed checks in a row
 * turn it unready, one slow answer does not, one answer turns it ready again. Against the
 * stand-in, whose every admin request is checked against SG's spec.
 */
@Timeout(90)
class BackendReadinessTest {

  /** Checks every second, each given a second to answer. */
  private static final Map<String, String> QUICK_CHECKS = Map.of(
      "SYNCGATE_SYNC_GATEWAY_CHECK_INTERVAL", "1s",
      "SYNCGATE_SYNC_GATEWAY_ADMIN_TIMEOUT", "1s");

  private TestStack stack;

  @AfterEach
  void stop() throws Exception {
    if (stack != null) {
      assertThat(stack.sg.specViolations()).as("requests that Sync Gateway's spec does not allow").isEmpty();
      stack.close();
    }
  }

  private Response readyz() {
    return stack.http.get(stack.syncgate().managementPort(), "/readyz", Map.of());
  }

  private static JsonObject syncGateway(Response readyz) {
    return readyz.json().getJsonObject("sync_gateway");
  }

  @Test
  void eachDatabaseIsCheckedWithSyncgatesCredentialsAndReadinessSaysSo() throws Exception {
    stack = TestStack.start(QUICK_CHECKS);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readyz().status() == 200);
    Response ready = readyz();

    assertThat(ready.json().getString("status")).isEqualTo("ready");
    assertThat(ready.json().getJsonObject("identity_provider").getBoolean("ready")).isTrue();
    assertThat(syncGateway(ready).getBoolean("ready")).isTrue();
    assertThat(syncGateway(ready).getInteger("failed_checks")).isZero();
    assertThat(stack.sg.databaseChecks()).extracting(SyncGatewayStandIn.Seen::uri).contains("/todo/", "/notes/");
    assertThat(stack.sg.databaseChecks()).allSatisfy(check ->
        assertThat(check.headers().get("authorization")).startsWith("Basic "));
    // The checks are not a client's doing: nothing else reached the Admin API.
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  @Test
  void oneSlowAnswerDoesNotTurnItUnreadyButThreeFailedChecksInARowDoAndOneAnswerTurnsItBack() throws Exception {
    stack = TestStack.start(QUICK_CHECKS);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readyz().status() == 200);

    stack.sg.hangAdmin(true);
    Response afterOneFailure;
    try {
      afterOneFailure = Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .until(this::readyz, r -> syncGateway(r).getInteger("failed_checks") >= 1);
    } finally {
      stack.sg.hangAdmin(false);
    }
    assertThat(afterOneFailure.status()).as(afterOneFailure.toString()).isEqualTo(200);
    assertThat(syncGateway(afterOneFailure).getString("problem")).contains("no answer within sync_gateway.admin_timeout");
    Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> syncGateway(readyz()).getInteger("failed_checks") == 0);

    // Down: every probe answer is ready while fewer than three checks in a row failed, unready after.
    List<Response> seen = new CopyOnWriteArrayList<>();
    stack.sg.stopAdmin();
    Response unready;
    try {
      unready = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            Response r = readyz();
            seen.add(r);
            return r;
          }, r -> r.status() == 503);
    } finally {
      stack.sg.startAdmin();
    }
    assertThat(seen).allSatisfy(r -> assertThat(r.status())
        .isEqualTo(syncGateway(r).getInteger("failed_checks") < 3 ? 200 : 503));
    assertThat(unready.json().getString("status")).isEqualTo("not_ready");
    assertThat(syncGateway(unready).getInteger("failed_checks")).isGreaterThanOrEqualTo(3);
    assertThat(unready.json().getString("reason")).contains("Sync Gateway's admin API " + stack.sg.adminUrl()
        + ", database todo: unreachable: connection refused");

    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> readyz().status() == 200);
  }

  @Test
  void syncgateStartsWhileSyncGatewayIsDownAndIsReadyOnlyOnceItAnswers() throws Exception {
    stack = TestStack.backendsOnly();
    stack.sg.stopAdmin();
    try {
      stack.restartSyncgate(QUICK_CHECKS);

      Response down = readyz();
      assertThat(down.status()).isEqualTo(503);
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> readyz().json().getString("reason", "").contains("unreachable: connection refused"));
      // One refused check is enough before SG has ever answered: there is no readiness to keep.
      assertThat(syncGateway(readyz()).getBoolean("ready")).isFalse();
    } finally {
      stack.sg.startAdmin();
    }

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readyz().status() == 200);
  }

  @Test
  void credentialsSyncGatewayRefusesAndADatabaseItLacksAreNamed() throws Exception {
    stack = TestStack.backendsOnly();
    stack.restartSyncgate(Map.of("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", "not-the-password"));

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readyz().json().getString("reason", "").contains("(401)"));
    assertThat(readyz().json().getString("reason")).contains("database todo: refused Syncgate's credentials (401):"
        + " check sync_gateway.admin_username and sync_gateway.admin_password");

    stack.restartSyncgate(yaml -> yaml.replace("databases: [todo, notes]", "databases: [todo, nosuchdb]"));
    Response missing = Awaitility.await().atMost(Duration.ofSeconds(10)).until(this::readyz, r ->
        r.json().getString("reason", "").contains("(404)") && r.json().getJsonObject("identity_provider").getBoolean("ready"));
    assertThat(missing.status()).isEqualTo(503);
    assertThat(missing.json().getString("reason"))
        .isEqualTo("Sync Gateway's admin API " + stack.sg.adminUrl() + ", database nosuchdb: has no such database"
            + " (404): check sync_gateway.databases");
  }
}
