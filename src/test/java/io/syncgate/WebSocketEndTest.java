package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.Http;
import io.syncgate.testing.TestStack;
import io.vertx.core.http.HttpMethod;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A relayed WebSocket ended by Syncgate when its session's access ends: a client that reads gets
 * every frame SG had begun, whole, then a close frame 1008; a client that reads nothing is
 * disconnected all the same, within the relay's grace, instead of being held open for ever.
 */
class WebSocketEndTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  @Test
  void aReadingClientGetsWholeFramesThenACloseFrameWhenItsAccessIsRevoked() throws Exception {
    String token = stack.token("ws-reader");
    try (Socket socket = upgrade(token)) {
      sendText(socket.getOutputStream(), "send 50000000");
      DataInputStream in = new DataInputStream(socket.getInputStream());
      readFrame(in);
      CompletableFuture<Integer> closeCode = CompletableFuture.supplyAsync(() -> {
        try {
          while (true) {
            Frame frame = readFrame(in);
            if (frame.opcode() == 8) {
              return frame.closeCode();
            }
          }
        } catch (IOException e) {
          return -1;
        }
      });

      assertThat(stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session?all=true", Http.bearer(token), null)
          .status()).isEqualTo(200);

      assertThat(closeCode.get(30, TimeUnit.SECONDS)).as("a close frame after whole frames").isEqualTo(1008);
    }
  }

  @Test
  void aClientThatReadsNothingIsDisconnectedWithinTheGraceWhenItsAccessIsRevoked() throws Exception {
    String token = stack.token("ws-sleeper");
    try (Socket socket = upgrade(token)) {
      sendText(socket.getOutputStream(), "send 500000000");
      // The relay is streaming (bytes wait unread at the client), and with 500 MB to send it
      // fills every buffer on the way and stops with SG's side paused in mid-frame.
      await().atMost(Duration.ofSeconds(10)).until(() -> socket.getInputStream().available() > 0);

      assertThat(stack.http.send(HttpMethod.DELETE, stack.port(), "/sync/todo/_session?all=true", Http.bearer(token), null)
          .status()).isEqualTo(200);

      // Without reading a byte, the client sees Syncgate's side of the connection leave ESTABLISHED.
      int clientPort = socket.getLocalPort();
      await().atMost(Duration.ofSeconds(8)).until(() -> !established(stack.port(), clientPort));
    }
  }

  /** Whether the kernel has Syncgate's end ({@code port}) of the connection from {@code peerPort} ESTABLISHED. */
  private static boolean established(int port, int peerPort) throws IOException {
    String local = String.format(":%04X", port);
    String remote = String.format(":%04X", peerPort);
    for (String table : java.util.List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 3 && fields[1].endsWith(local) && fields[2].endsWith(remote) && fields[3].equals("01")) {
          return true;
        }
      }
    }
    return false;
  }

  private static Socket upgrade(String token) throws IOException {
    Socket socket = new Socket("127.0.0.1", stack.port());
    socket.setSoTimeout(20_000);
    socket.getOutputStream().write(("GET /sync/todo/_blipsync HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
        + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Protocol: BLIP_3+CBMobile_3\r\nAuthorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    assertThat(io.syncgate.testing.RawHttp.readHead(socket.getInputStream())).startsWith("HTTP/1.1 101 ");
    return socket;
  }

  /** A client's text frame, masked as RFC 6455 §5.3 requires. */
  private static void sendText(OutputStream out, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {1, 2, 3, 4};
    out.write(0x81);
    out.write(0x80 | payload.length);
    out.write(mask);
    for (int i = 0; i < payload.length; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    out.flush();
  }

  record Frame(int opcode, byte[] payload) {
    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
    }
  }

  /** Reads one whole frame: a frame cut short fails with EOFException. */
  private static Frame readFrame(DataInputStream in) throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    assertThat(second & 0x80).as("frames from the server are not masked").isZero();
    byte[] payload = new byte[(int) Math.min(length, 1 << 20)];
    in.readFully(payload);
    return new Frame(first & 0x0F, payload);
  }
}
