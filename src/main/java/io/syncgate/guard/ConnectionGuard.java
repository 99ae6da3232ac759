package io.syncgate.guard;

import io.netty.channel.Channel;
import io.syncgate.config.InboundLimits;
import io.syncgate.failure.GatewayFailure;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Guards the public listener's connections below the HTTP layer, where Vert.x has no setting for
 * it. Each job has its own class: a cap on connections open at once (503 beyond it, here);
 * {@link RequestDeadlines} for heads, bodies and idle keep-alives; {@link HttpVersionGate} for
 * versions other than HTTP/1.x; a request decoder that refuses {@code Content-Length} together
 * with {@code Transfer-Encoding} (RFC 9112 §6.1) where Netty's would silently drop the length.
 * What they need of Vert.x's internals is in {@link VertxInternals}.
 *
 * <p>Thread-safe: the count is shared by every event loop; each connection's state lives on its own.
 */
public final class ConnectionGuard {

  private final InboundLimits limits;
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  public ConnectionGuard(InboundLimits limits, int maxConnections) {
    this.limits = limits;
    this.maxConnections = maxConnections;
  }

  /** Client connections open now, across the process. */
  public int open() {
    return open.get();
  }

  /** Connections refused since start because the cap was reached. */
  public long refused() {
    return refused.sum();
  }

  public int maxConnections() {
    return maxConnections;
  }

  /** Takes a new connection in, from its event loop, before any of its requests is read. */
  public void accept(HttpConnection connection, HttpServerOptions options) {
    Channel channel = VertxInternals.channel(connection);
    if (channel == null) {
      throw new IllegalStateException("Vert.x no longer exposes a connection's channel: the connection guard cannot run");
    }
    int count = open.incrementAndGet();
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    if (count > maxConnections) {
      refused.increment();
      RawAnswer.answerAndClose(channel.pipeline().firstContext(), GatewayFailure.unavailable(
          "this instance holds as many connections as it may: try again", 1));
      return;
    }
    var pipeline = channel.pipeline();
    if (!VertxInternals.isHttp1Server(pipeline)) {
      return;
    }
    pipeline.replace(VertxInternals.DECODER, VertxInternals.DECODER, new VertxInternals.StrictRequestDecoder(options));
    RequestDeadlines deadlines = new RequestDeadlines(limits);
    pipeline.addBefore(VertxInternals.DECODER, "syncgate-bytes", deadlines.bytes);
    pipeline.addAfter(VertxInternals.ENCODER, "syncgate-version", new HttpVersionGate());
    pipeline.addAfter("syncgate-version", "syncgate-messages", deadlines.messages);
    deadlines.awaitHead(pipeline.context(deadlines.bytes));
  }

  /** Whether a request could not be read because it carried two framings of its body. */
  public static boolean isBothFramings(Throwable cause) {
    return cause instanceof IllegalArgumentException
        && VertxInternals.StrictRequestDecoder.BOTH_FRAMINGS.equals(cause.getMessage());
  }

  /**
   * Closes {@code connection} from beneath Vert.x, at once: Vert.x's own close waits for queued
   * bytes to be flushed first, which a peer that reads nothing holds open for ever.
   */
  public static void closeNow(HttpConnection connection) {
    Channel channel = VertxInternals.channel(connection);
    if (channel == null) {
      connection.close();
    } else if (channel.isOpen()) {
      channel.pipeline().firstContext().close();
    }
  }
}
