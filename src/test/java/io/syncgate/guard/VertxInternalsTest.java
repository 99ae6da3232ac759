package io.syncgate.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.syncgate.config.InboundLimits;
import io.syncgate.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pins each piece of Vert.x's implementation the guards reach into, one test per piece, so that a
 * Vert.x release moving one of them fails here by name. Each runs a real server and a real client.
 */
class VertxInternalsTest {

  private static final InboundLimits LIMITS = new InboundLimits(8192, 16384, 100, 65536,
      Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30), 100);

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aServerConnectionExposesItsChannelWithTheCodecHandlersByName() throws Exception {
    CompletableFuture<Boolean> http1Pipeline = new CompletableFuture<>();
    int port = listen(options(), connection -> {
      Channel channel = VertxInternals.channel(connection);
      http1Pipeline.complete(channel != null && VertxInternals.isHttp1Server(channel.pipeline()));
    });

    RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));

    assertThat(http1Pipeline.get(5, TimeUnit.SECONDS))
        .as("the connection handler sees a channel whose pipeline has '%s' (Vert.x's request decoder) and '%s'",
            VertxInternals.DECODER, VertxInternals.ENCODER)
        .isTrue();
  }

  @Test
  void aClientConnectionExposesItsChannel() throws Exception {
    int port = listen(options(), connection -> {});
    var client = vertx.createHttpClient(new HttpClientOptions());

    HttpConnection connection = client.request(new RequestOptions().setPort(port).setHost("127.0.0.1").setURI("/"))
        .compose(request -> request.send().map(response -> request.connection()))
        .await();

    assertThat(VertxInternals.channel(connection)).as("the backend connection's channel").isNotNull();
  }

  @Test
  void theStrictDecoderIsCalledForARequestWithBothFramings() throws Exception {
    ConnectionGuard guard = new ConnectionGuard(LIMITS, 100);
    HttpServerOptions options = options();
    CompletableFuture<Throwable> cause = new CompletableFuture<>();
    int port = vertx.createHttpServer(options)
        .connectionHandler(connection -> guard.accept(connection, options))
        .requestHandler(request -> request.response().end("read as valid"))
        .invalidRequestHandler(request -> {
          cause.complete(request.decoderResult().cause());
          request.response().setStatusCode(400).end();
        })
        .listen(0, "127.0.0.1").await().actualPort();

    RawHttp.exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Duration.ofSeconds(5));

    assertThat(ConnectionGuard.isBothFramings(cause.get(5, TimeUnit.SECONDS)))
        .as("Vert.x's decoder still calls handleTransferEncodingChunkedWithContentLength")
        .isTrue();
  }

  @Test
  void closeNowEndsAConnectionWhoseQueuedBytesNobodyReads() throws Exception {
    CompletableFuture<HttpConnection> stuck = new CompletableFuture<>();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer(options())
        .requestHandler(request -> {
          var response = request.response().setChunked(true);
          request.connection().closeHandler(v -> closed.complete(null));
          Buffer megabyte = Buffer.buffer(new byte[1 << 20]);
          for (int i = 0; i < 64; i++) {
            response.write(megabyte);
          }
          stuck.complete(request.connection());
        });
    int port = server.listen(0, "127.0.0.1").await().actualPort();

    try (var socket = new java.net.Socket("127.0.0.1", port)) {
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      HttpConnection connection = stuck.get(5, TimeUnit.SECONDS);
      assertThat(VertxInternals.channel(connection)).as("the channel closeNow closes from beneath Vert.x").isNotNull();
      vertx.runOnContext(v -> ConnectionGuard.closeNow(connection));

      assertThat(closed).succeedsWithin(Duration.ofSeconds(5));
    }
  }

  /** As the public listener's: HTTP/1.1 only. */
  private static HttpServerOptions options() {
    return new HttpServerOptions().setHttp2ClearTextEnabled(false);
  }

  private int listen(HttpServerOptions options, Consumer<HttpConnection> onConnection) {
    return vertx.createHttpServer(options)
        .connectionHandler(onConnection::accept)
        .requestHandler(request -> request.response().end("ok"))
        .listen(0, "127.0.0.1").await().actualPort();
  }
}
