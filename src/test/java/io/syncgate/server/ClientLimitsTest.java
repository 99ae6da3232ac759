package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.TestStack;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failed token checks are limited per client address, and behind a trusted proxy the address is
 * the one {@code X-Forwarded-For} names; from anyone else, that header is not believed.
 */
class ClientLimitsTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_LISTEN_TRUSTED_PROXIES", "127.0.0.1",
      "SYNCGATE_OIDC_FAILED_VERIFICATIONS_PER_CLIENT_PER_MINUTE", "3"));

  private static Http.Response forgedFrom(String forwardedFor) {
    String token = stack.token("forger");
    String forged = token.substring(0, token.lastIndexOf('.') + 1) + "A".repeat(342);
    return stack.http.get(stack.port(), "/sync/todo/_all_docs", Map.of("Authorization", "Bearer " + forged,
        "X-Forwarded-For", forwardedFor));
  }

  @Test
  void aClientBehindTheTrustedProxyIsLimitedByItsOwnAddress() {
    for (int i = 0; i < 3; i++) {
      assertThat(forgedFrom("198.51.100.1, 203.0.113.9").status()).isEqualTo(401);
    }
    Http.Response limited = forgedFrom("198.51.100.1, 203.0.113.9");

    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.header("retry-after")).matches("\\d+");
    assertThat(limited.json().getString("reason")).isEqualTo("too many invalid tokens from this address: try again later");
    assertThat(forgedFrom("203.0.113.10").status()).as("another client behind the same proxy").isEqualTo(401);
    assertThat(forgedFrom("203.0.113.9, 203.0.113.11").status())
        .as("only the hop the trusted proxy wrote counts, not what the client put before it").isEqualTo(401);
    assertThat(stack.http.get(stack.port(), "/sync/todo/_all_docs", Map.of(
        "Authorization", "Bearer " + stack.token("honest"), "X-Forwarded-For", "203.0.113.12")).status())
        .isEqualTo(200);
    assertThat(stack.sg.publicRequests()).as("no forged token reached Sync Gateway").hasSize(1);
  }
}
