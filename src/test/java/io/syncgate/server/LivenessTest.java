package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A process that cannot serve must not look alive: a blocked event loop turns {@code /healthz}
 * unhealthy, and an {@link Error} anywhere ends the process with a non-zero code.
 */
class LivenessTest {

  @Test
  void aBlockedEventLoopMakesTheProcessUnhealthyUntilItRunsAgain() throws Exception {
    Vertx probing = Vertx.vertx();
    try (TestStack stack = TestStack.start(Map.of("SYNCGATE_MANAGEMENT_EVENT_LOOP_BLOCKED_TIMEOUT", "500ms"))) {
      int management = stack.syncgate().managementPort();
      // The probe has event loops of its own: the stack's client may share a loop blocked below.
      Http probe = new Http(probing);
      assertThat(probe.get(management, "/healthz", Map.of()).status()).isEqualTo(200);
      CountDownLatch release = new CountDownLatch(1);

      // What a bug that blocks does to a loop: it runs nothing else until the block ends. Every
      // listener's loop is blocked, so /healthz answers only from a loop of its own.
      for (var loop : stack.syncgate().eventLoops()) {
        loop.runOnContext(v -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      try {
        Awaitility.await().atMost(Duration.ofSeconds(20))
            .until(() -> probe.get(management, "/healthz", Map.of()).status() == 503);
        Response unhealthy = probe.get(management, "/healthz", Map.of());
        assertThat(unhealthy.json().getString("status")).isEqualTo("unhealthy");
        assertThat(unhealthy.json().getString("reason")).matches("event loop \\d+ has run nothing for \\d+ ms");
      } finally {
        release.countDown();
      }
      Awaitility.await().atMost(Duration.ofSeconds(20))
          .until(() -> probe.get(management, "/healthz", Map.of()).status() == 200);
    } finally {
      probing.close().await();
    }
  }

  @Test
  void anErrorOnAnEventLoopEndsTheProcessWithANonZeroCodeAndAnExceptionDoesNot() {
    Vertx vertx = Vertx.vertx();
    AtomicInteger exitCode = new AtomicInteger(-1);
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    try {
      FatalErrors.install(vertx, exitCode::set);

      vertx.runOnContext(v -> {
        throw new IllegalStateException("a bug in one request");
      });
      vertx.runOnContext(v -> exitCode.compareAndSet(-1, -2));
      Awaitility.await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(5)).until(() -> exitCode.get() == -2);

      vertx.runOnContext(v -> {
        throw new OutOfMemoryError("as a decoder meets it");
      });
      Awaitility.await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(5))
          .until(() -> exitCode.get() == FatalErrors.EXIT_CODE);

      exitCode.set(-1);
      Thread dying = new Thread(() -> {
        throw new StackOverflowError("on a thread of its own");
      });
      // Awaitility would put its own handler in place of the process's while it waits: not here.
      Awaitility.await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
          .until(() -> {
            if (dying.getState() == Thread.State.NEW) {
              dying.start();
            }
            return exitCode.get() == FatalErrors.EXIT_CODE;
          });
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(before);
      vertx.close().await();
    }
  }
}
