package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.TestStack;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code listen.public_origins} set, a browser that sends no {@code Sec-Fetch-Site} writes
 * with the user's cookie only from exactly those origins — scheme, host and port — whatever its
 * {@code Host} header says (a proxy in front may rewrite it).
 */
class PublicOriginsTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_LISTEN_PUBLIC_ORIGINS", "https://sync.example.com,http://localhost:8080"));

  private static int write(String origin, String host) {
    String cookie = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("olive")))
        .header("set-cookie").split(";", 2)[0];
    Map<String, String> headers = new HashMap<>(Map.of("Origin", origin, "Cookie", cookie,
        "Content-Type", "application/json"));
    if (host != null) {
      headers.put("Host", host);
    }
    return stack.http.send(HttpMethod.POST, stack.port(), "/sync/todo/_bulk_docs", headers,
        Buffer.buffer("{\"docs\":[]}")).status();
  }

  @Test
  void exactlyTheConfiguredOriginsAreThisOrigin() {
    assertThat(write("https://sync.example.com", "sync.example.com")).isEqualTo(201);
    assertThat(write("HTTPS://SYNC.EXAMPLE.COM", null)).as("scheme and host compare without case").isEqualTo(201);
    assertThat(write("http://localhost:8080", null)).isEqualTo(201);
  }

  @Test
  void anotherSchemePortOrHostIsAnotherOriginEvenWhenHostMatchesIt() {
    assertThat(write("http://sync.example.com", "sync.example.com")).isEqualTo(403);
    assertThat(write("https://sync.example.com:8443", "sync.example.com:8443")).isEqualTo(403);
    assertThat(write("weird://sync.example.com", "sync.example.com")).isEqualTo(403);
    assertThat(write("http://127.0.0.1:" + stack.port(), null)).as("Host alone no longer decides").isEqualTo(403);
  }
}
