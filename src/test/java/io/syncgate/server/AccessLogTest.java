package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.syncgate.testing.TestStack;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** The access log writes what a request sent, never what it could make a terminal or a log reader do. */
class AccessLogTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  @Test
  void controlBytesAndNonAsciiInAPathAreEscapedInTheAccessLine() throws Exception {
    Logger access = (Logger) LoggerFactory.getLogger("syncgate.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try (Socket socket = new Socket("127.0.0.1", stack.port())) {
      OutputStream out = socket.getOutputStream();
      // ESC[31m colours a terminal; U+202E (E2 80 AE in UTF-8) reverses what follows it.
      out.write("GET /sync/todo/a\u001b[31mred".getBytes(StandardCharsets.ISO_8859_1));
      out.write(new byte[] {(byte) 0xE2, (byte) 0x80, (byte) 0xAE});
      out.write("gpj.exe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      socket.getInputStream().readAllBytes();
    } finally {
      Awaitility.await().until(() -> !lines.list.isEmpty());
      access.detachAppender(lines);
    }

    String line = lines.list.get(0).getFormattedMessage();
    assertThat(line).contains("/sync/todo/a\\x1B[31mred\\xE2\\x80\\xAEgpj.exe");
    assertThat(line.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  @Test
  void aPlainPathIsLoggedAsItIs() {
    assertThat(AccessLog.printable("/sync/todo/doc-1?x")).isSameAs("/sync/todo/doc-1?x");
    assertThat(AccessLog.printable("/a\\b")).isEqualTo("/a\\x5Cb");
  }

  @Test
  void aWebSocketIsLoggedOnceWhenItClosesWith101AndNoErrorIsLoggedForItsNormalEnd() throws Exception {
    Logger access = (Logger) LoggerFactory.getLogger("syncgate.access");
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    ListAppender<ILoggingEvent> everything = new ListAppender<>();
    lines.start();
    everything.start();
    access.addAppender(lines);
    root.addAppender(everything);
    String token = stack.token("logged-socket");
    try {
      for (int i = 0; i < 3; i++) {
        try (Socket socket = new Socket("127.0.0.1", stack.port())) {
          socket.getOutputStream().write(("GET /sync/todo/_blipsync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: BLIP_3+CBMobile_3\r\n"
              + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          assertThat(io.syncgate.testing.RawHttp.readHead(socket.getInputStream())).startsWith("HTTP/1.1 101 ");
        }
      }
      Awaitility.await().until(() -> lines.list.stream()
          .filter(line -> line.getFormattedMessage().contains("/_blipsync")).count() >= 3);
      Thread.sleep(500); // nothing more is to come: a second line would arrive within this
    } finally {
      access.detachAppender(lines);
      root.detachAppender(everything);
    }

    assertThat(lines.list).filteredOn(line -> line.getFormattedMessage().contains("/_blipsync")).hasSize(3)
        .allSatisfy(line -> assertThat(line.getFormattedMessage()).matches(".* GET /sync/todo/_blipsync 101 \\d+B \\d+ms"));
    // Vert.x's blocked-thread warnings are left out: on a loaded machine a loop can wait 2 s for a core.
    assertThat(everything.list).filteredOn(event -> event.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
        .filteredOn(event -> !event.getLoggerName().endsWith("BlockedThreadChecker"))
        .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
  }
}
