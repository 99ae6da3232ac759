package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The released jar as a process: it stops on SIGTERM, promptly and with success, even with a feed open. */
class ProcessLifecycleIT {

  private static TestStack backends;

  @BeforeAll
  static void start() throws Exception {
    backends = TestStack.backendsOnly();
  }

  @AfterAll
  static void stop() throws Exception {
    backends.close();
  }

  @Test
  void sigtermWithAnOpenContinuousFeedEndsTheFeedAndExitsZeroPromptly() throws Exception {
    int port = FreePort.next();
    String yaml = TestStack.yaml(port, backends.idp.issuer(TestStack.ISSUER_ID), TestStack.AUDIENCE, backends.sg,
        List.of(TestStack.DB));
    SyncgateProcess syncgate = SyncgateProcess.start(yaml, port,
        Map.of("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD), List.of());
    try (Socket feed = new Socket()) {
      feed.connect(new InetSocketAddress("127.0.0.1", port));
      OutputStream out = feed.getOutputStream();
      out.write(("GET " + TestStack.BASE + "/" + TestStack.DB + "/_changes?feed=continuous&since=0 HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nAuthorization: Bearer " + backends.token("feed-user") + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = feed.getInputStream();
      byte[] head = new byte[12];
      assertThat(in.readNBytes(head, 0, 12)).isEqualTo(12);
      assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");

      Instant signalled = Instant.now();
      Integer exit = syncgate.terminate(Duration.ofSeconds(10));

      assertThat(exit).as("exit code after SIGTERM; output:%n%s", syncgate.output()).isZero();
      assertThat(Duration.between(signalled, Instant.now())).isLessThan(Duration.ofSeconds(10));
      // The feed's connection is closed, not left hanging: the client sees its end and reconnects elsewhere.
      feed.setSoTimeout(5000);
      while (in.read() >= 0) {
        // drain what was sent before the close
      }
    } finally {
      syncgate.close();
    }
  }
}
