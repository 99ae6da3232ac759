package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket ({@code _blipsync}) relayed by the released jar on a 96 MB heap, with a side that
 * stops reading: a gibibyte from Sync Gateway to a client that reads nothing for 10 s, and 256 MB
 * from a client to a Sync Gateway that reads nothing for 5 s. Every byte arrives, and Syncgate
 * holds none of it for long: the sender is paused while the receiver's queue is full.
 */
class WebSocketBackPressureIT {

  private static final long GIBIBYTE = 1L << 30;
  private static final long UPLOAD = 256L << 20;

  private static TestStack backends;
  private static SyncgateProcess syncgate;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    backends = TestStack.backendsOnly();
    syncgate = SyncgateProcess.inFrontOf(backends,
        Map.of(), List.of("-Xmx96m"));
    port = syncgate.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (syncgate != null) {
      syncgate.close();
    }
    backends.close();
  }

  @Test
  void aGibibyteReachesAClientThatReadsNothingForTenSeconds() throws Exception {
    AtomicLong received = new AtomicLong();
    CompletableFuture<String> done = new CompletableFuture<>();
    WebSocket socket = connect(new WebSocket.Listener() {
      @Override
      public void onOpen(WebSocket webSocket) {
        // No demand yet: the client reads nothing.
      }

      @Override
      public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        received.addAndGet(data.remaining());
        webSocket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        done.complete(data.toString());
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        done.completeExceptionally(error);
      }
    });
    socket.sendText("send " + GIBIBYTE, true).get(10, TimeUnit.SECONDS);

    TimeUnit.SECONDS.sleep(10);
    assertThat(received.get()).as("nothing read yet").isZero();
    assertThat(syncgate.isAlive()).isTrue();
    socket.request(1);

    assertThat(done.get(2, TimeUnit.MINUTES)).isEqualTo("sent");
    assertThat(received.get()).isEqualTo(GIBIBYTE);
    assertThat(syncgate.output()).doesNotContain("OutOfMemoryError");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
  }

  @Test
  void aClientsUploadWaitsWhileSyncGatewayReadsNothing() throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    WebSocket socket = connect(new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        done.complete(data.toString());
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        done.completeExceptionally(error);
      }
    });
    socket.sendText("sink " + UPLOAD + " 5000", true).get(10, TimeUnit.SECONDS);

    byte[] frame = new byte[64 * 1024];
    long start = System.nanoTime();
    for (long sent = 0; sent < UPLOAD; sent += frame.length) {
      socket.sendBinary(ByteBuffer.wrap(frame), true).get(1, TimeUnit.MINUTES);
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("held back while SG did not read")
        .isGreaterThan(Duration.ofSeconds(4));
    assertThat(done.get(1, TimeUnit.MINUTES)).isEqualTo("got " + UPLOAD);
    assertThat(syncgate.isAlive()).isTrue();
    assertThat(syncgate.output()).doesNotContain("OutOfMemoryError");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
  }

  private static WebSocket connect(WebSocket.Listener listener) throws Exception {
    return HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", "Bearer " + backends.token("socket-user")).subprotocols("BLIP_3+CBMobile_3")
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/sync/todo/_blipsync"), listener)
        .get(10, TimeUnit.SECONDS);
  }
}
