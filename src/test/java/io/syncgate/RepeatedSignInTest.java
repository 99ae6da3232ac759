package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.syncgate.backend.syncgateway.SyncGatewayBackend;
import io.syncgate.testing.Http;
import io.syncgate.testing.TestStack;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Sync Gateway 4.0 presents a user with {@code "email": ""} when none is set and without
 * {@code admin_roles}/{@code roles} when it has none; Syncgate's grants without an email or roles
 * are the same grants, so signing in again writes nothing.
 */
class RepeatedSignInTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_PROVISIONING_TODO_CHANNELS", "user-{name}"));

  @Test
  void fiveSignInsWriteTheUserOnceAndLogNoGrantUpdate() {
    Logger backend = (Logger) LoggerFactory.getLogger(SyncGatewayBackend.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    backend.addAppender(lines);
    try {
      for (int i = 0; i < 5; i++) {
        String token = stack.token("repeat");
        assertThat(stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token)).status()).isEqualTo(200);
      }
    } finally {
      backend.detachAppender(lines);
    }

    assertThat(stack.sg.user("todo", "repeat").getJsonArray("admin_roles")).isEmpty();
    assertThat(stack.sg.adminWrites()).filteredOn(seen -> seen.uri().equals("/todo/_user/repeat"))
        .as("created at the first sign-in, never written again").hasSize(1);
    assertThat(stack.sg.adminRequests()).filteredOn(seen -> seen.method().equals("GET")
        && seen.uri().equals("/todo/_user/repeat")).hasSize(5);
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(line -> line.contains("updated the grants"))
        .anyMatch(line -> line.contains("created Sync Gateway user repeat"));
  }
}
