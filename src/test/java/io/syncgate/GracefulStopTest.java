package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.RawHttp;
import io.syncgate.testing.TestStack;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What clients see of a graceful stop: each is ended so that it reconnects to another instance
 * and resumes, by the rules of the client, not by the textbook.
 */
class GracefulStopTest {

  /**
   * LiteCore's c4error_mayBeTransient (couchbase-lite-core, C/c4Error.cc): the WebSocket codes
   * after which Couchbase Lite 3.x retries. 1001 "going away" is not among them: a replicator
   * closed with it stops for good.
   */
  static final Set<Integer> COUCHBASE_LITE_RETRIES = Set.of(408, 429, 502, 503, 504, 1006, 4001);

  @Test
  void aStopClosesAWebSocketWithACodeCouchbaseLiteRetries() throws Exception {
    try (TestStack stack = TestStack.start(); Socket socket = new Socket("127.0.0.1", stack.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(("GET /sync/todo/_blipsync HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Protocol: BLIP_3+CBMobile_3\r\nAuthorization: Bearer " + stack.token("cbl-user")
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.readHead(socket.getInputStream())).startsWith("HTTP/1.1 101 ");
      DataInputStream in = new DataInputStream(socket.getInputStream());
      CompletableFuture<Integer> closeCode = CompletableFuture.supplyAsync(() -> closeCode(in));

      stack.syncgate().close().await();

      assertThat(closeCode.get(20, TimeUnit.SECONDS)).isIn(COUCHBASE_LITE_RETRIES).isEqualTo(4001);
    }
  }

  /** The close frame's code, reading past any other frame; -1 if the connection ends without one. */
  private static int closeCode(DataInputStream in) {
    try {
      while (true) {
        int opcode = in.readUnsignedByte() & 0x0F;
        long length = in.readUnsignedByte() & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        byte[] payload = in.readNBytes((int) length);
        if (opcode == 8) {
          return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : -1;
        }
      }
    } catch (IOException e) {
      return -1;
    }
  }
}
