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
}
