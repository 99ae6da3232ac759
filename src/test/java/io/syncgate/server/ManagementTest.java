package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import java.util.Map;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ManagementTest {

  @Test
  void healthAndReadinessLiveOnTheirOwnListener() throws Exception {
    try (TestStack stack = TestStack.start()) {
      int management = stack.syncgate().managementPort();

      assertThat(management).isNotEqualTo(stack.port());
      assertThat(stack.http.get(management, "/healthz", Map.of()).json().getString("status")).isEqualTo("ok");
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> stack.http.get(management, "/readyz", Map.of()).status() == 200);
      // Nothing of the public side is served here, and nothing of this here.
      assertThat(stack.http.get(management, "/sync/todo/", Map.of()).status()).isEqualTo(404);
      assertThat(stack.http.get(stack.port(), "/healthz", Map.of()).status()).isEqualTo(404);
    }
  }

  @Test
  void notReadyWhileTheIdentityProviderIsDownAndReadyOnceItIsBack() throws Exception {
    try (TestStack stack = TestStack.start()) {
      String token = stack.token("early-bird");
      stack.idp.close();
      // A failing provider is retried at most once per cooldown; keep the test short.
      stack.restartSyncgate(Map.of("SYNCGATE_OIDC_JWKS_REFETCH_COOLDOWN", "1s"));
      int management = stack.syncgate().managementPort();

      Response notReady = stack.http.get(management, "/readyz", Map.of());
      assertThat(notReady.status()).isEqualTo(503);
      assertThat(notReady.json().getString("status")).isEqualTo("not_ready");
      assertThat(stack.http.get(management, "/healthz", Map.of()).status()).isEqualTo(200);
      // Sign-in cannot work without keys: 503, not a misleading 401.
      Response signIn = stack.http.post(stack.port(), "/sync/todo/_session",
          Map.of("authorization", "Bearer " + token));
      assertThat(signIn.status()).isEqualTo(503);

      stack.idp.restart();
      stack.clock.advance(Duration.ofSeconds(2)); // past the retry cooldown

      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
          .until(() -> stack.http.get(management, "/readyz", Map.of()).status() == 200);
    }
  }

  /** The value of the Prometheus sample whose name and labels start as {@code sample} says, or -1. */
  private static double sample(String scrape, String sample) {
    return scrape.lines().filter(line -> line.startsWith(sample)).findFirst()
        .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).orElse(-1.0);
  }

  @Test
  void metricsCountRequestsSignInsSessionsKeysAndBackendLatency() throws Exception {
    try (TestStack stack = TestStack.start()) {
      int management = stack.syncgate().managementPort();
      String token = stack.token("counted");
      Response signIn = stack.http.post(stack.port(), "/sync/todo/_session", io.syncgate.testing.Http.bearer(token));
      String cookie = signIn.header("set-cookie").split(";", 2)[0];
      stack.http.post(stack.port(), "/sync/todo/_session", io.syncgate.testing.Http.bearer("not-a-token"));
      for (int i = 0; i < 3; i++) {
        assertThat(stack.http.get(stack.port(), "/sync/todo/", Map.of("Cookie", cookie)).status()).isEqualTo(200);
      }
      stack.http.get(stack.port(), "/sync/todo/_all_docs", Map.of());
      // Not sign-ins, whatever their paths end with.
      stack.http.post(stack.port(), "/sync/todo/_local/_session", Map.of("Cookie", cookie));
      stack.http.post(stack.port(), "/sync/nope/_session", Map.of());

      Response metrics = stack.http.get(management, "/metrics", Map.of());
      String text = metrics.body().toString();

      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.header("content-type")).startsWith("text/plain");
      assertThat(sample(text, "syncgate_requests_total{route=\"replication\",status=\"2xx\"}")).isEqualTo(3);
      assertThat(sample(text, "syncgate_requests_total{route=\"replication\",status=\"4xx\"}")).isGreaterThanOrEqualTo(2);
      assertThat(sample(text, "syncgate_requests_total{route=\"sign_in\",status=\"2xx\"}")).isEqualTo(1);
      assertThat(sample(text, "syncgate_sign_ins_total{outcome=\"ok\"}")).isEqualTo(1);
      assertThat(sample(text, "syncgate_sign_ins_total{outcome=\"invalid_token\"}")).isEqualTo(1);
      assertThat(sample(text, "syncgate_sessions_opened_total")).isEqualTo(1);
      assertThat(sample(text, "syncgate_jwks_fetches_total{issuer=\"" + stack.idp.issuer(TestStack.ISSUER_ID)
          + "\",outcome=\"ok\"}")).isGreaterThanOrEqualTo(1);
      assertThat(sample(text, "syncgate_backend_latency_seconds_count{api=\"public\"}")).isEqualTo(4);
      assertThat(sample(text, "syncgate_backend_latency_seconds_count{api=\"admin\"}")).isGreaterThanOrEqualTo(2);
      assertThat(sample(text, "syncgate_connections_open")).isGreaterThanOrEqualTo(0);
      assertThat(sample(text, "syncgate_feeds_open")).isZero();
      try (var feed = io.syncgate.testing.OpenFeed.open(stack.vertx, stack.port(),
          "/sync/todo/_changes?feed=continuous&since=0", Map.of("Cookie", cookie))) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
            sample(stack.http.get(management, "/metrics", Map.of()).body().toString(), "syncgate_feeds_open") == 1);
      }
      assertThat(text).contains("jvm_memory_used_bytes", "process_cpu_usage", "process_files_open_files");
      // Nothing about metrics on the public listener.
      assertThat(stack.http.get(stack.port(), "/metrics", Map.of()).status()).isEqualTo(404);
    }
  }
}
