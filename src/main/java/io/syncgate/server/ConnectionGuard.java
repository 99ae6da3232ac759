package io.syncgate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.syncgate.config.InboundLimits;
import io.syncgate.failure.GatewayFailure;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Guards the public listener's connections below the HTTP layer, where Vert.x has no setting for
 * it: a cap on connections open at once (503 beyond it), a deadline for each request head to
 * arrive once its first byte has (408: a client sending a byte a second holds a socket no longer
 * than {@code listen.header_timeout}), a deadline for a kept-alive connection to start its next
 * request (then closed), and a request decoder that refuses {@code Content-Length} together with
 * {@code Transfer-Encoding} (RFC 9112 §6.1) where Netty's would silently drop the length. A
 * request body must keep arriving while it is read ({@code listen.body_timeout}); a response has
 * no deadline here, so a feed streams as long as it lasts.
 *
 * <p>Thread-safe: the count is shared by every event loop; each connection's state lives on its own.
 */
final class ConnectionGuard {

  private final InboundLimits limits;
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  ConnectionGuard(InboundLimits limits, int maxConnections) {
    this.limits = limits;
    this.maxConnections = maxConnections;
  }

  /** Client connections open now, across the process. */
  int open() {
    return open.get();
  }

  /** Connections refused since start because the cap was reached. */
  long refused() {
    return refused.sum();
  }

  int maxConnections() {
    return maxConnections;
  }

  /** Takes a new connection in, from its event loop, before any of its requests is read. */
  void accept(HttpConnection connection, HttpServerOptions options) {
    Channel channel = ((ConnectionBase) connection).channel();
    int count = open.incrementAndGet();
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    if (count > maxConnections) {
      refused.increment();
      answerAndClose(channel.pipeline().firstContext(), GatewayFailure.unavailable(
          "this instance holds as many connections as it may: try again", 1));
      return;
    }
    var pipeline = channel.pipeline();
    if (pipeline.get("httpDecoder") == null) {
      return;
    }
    pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(options));
    Deadlines deadlines = new Deadlines(limits);
    pipeline.addBefore("httpDecoder", "syncgate-bytes", deadlines.bytes);
    pipeline.addAfter("httpEncoder", "syncgate-messages", deadlines.messages);
    deadlines.awaitHead(pipeline.context(deadlines.bytes));
  }

  /**
   * Writes a whole JSON response straight to the socket, beneath the HTTP encoder (there may be no
   * request to answer through it), and closes the connection.
   */
  static void answerAndClose(ChannelHandlerContext ctx, GatewayFailure failure) {
    byte[] body = failure.toJson().encode().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + failure.status() + " " + HttpResponseStatus.valueOf(failure.status()).reasonPhrase()
        + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length
        + (failure.retryAfterSeconds() > 0 ? "\r\nretry-after: " + failure.retryAfterSeconds() : "")
        + "\r\nconnection: close\r\n\r\n";
    ByteBuf bytes = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
    ctx.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * One connection's deadlines, on its event loop: waiting for a head (from the connection's start,
   * or from the first byte after a response) or idle between requests; none while a request is
   * being answered or once the connection has become a WebSocket.
   */
  private static final class Deadlines {

    private enum State { IDLE, HEAD, ANSWERING, UPGRADED }

    private final InboundLimits limits;
    private State state = State.HEAD;
    /** Heads read and not yet answered: more than one when a client pipelines. */
    private int unanswered;
    /** Beneath the HTTP codec, where a refusal is written raw. */
    private ChannelHandlerContext bytesContext;
    private boolean refused;
    private ScheduledFuture<?> timer;
    private ScheduledFuture<?> bodyTimer;
    /** A response head has gone out and its end has not. */
    private boolean answering;

    Deadlines(InboundLimits limits) {
      this.limits = limits;
    }

    /** Before the decoder: the first byte of a request starts its head's deadline. */
    final ChannelInboundHandlerAdapter bytes = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
          awaitHead(ctx);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        cancelBody();
        ctx.fireChannelInactive();
      }
    };

    /** After the decoder, before Vert.x: a whole head has arrived; a response has ended. */
    final ChannelDuplexHandler messages = new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused || msg instanceof HttpRequest request && request.protocolVersion().majorVersion() != 1) {
          // "PRI * HTTP/2.0" (cleartext HTTP/2 with prior knowledge), or another version: Vert.x
          // would answer an empty 501.
          ReferenceCountUtil.release(msg);
          if (!refused) {
            refused = true;
            cancel();
            answerAndClose(bytesContext, GatewayFailure.httpVersionNotSupported(
                "Syncgate speaks HTTP/1.1 here; cleartext HTTP/2 is off"));
          }
          return;
        }
        if (msg instanceof HttpRequest && state != State.UPGRADED) {
          cancel();
          state = State.ANSWERING;
          unanswered++;
        }
        if (state == State.ANSWERING) {
          if (msg instanceof LastHttpContent) {
            cancelBody();
          } else if (msg instanceof HttpContent || msg instanceof HttpRequest) {
            awaitBody(ctx);
          }
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() != 101
            && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
          // A 100 Continue is no answer: the body it invites is still to come, and starts now.
          if (bodyTimer != null) {
            awaitBody(ctx);
          }
          ctx.write(msg, promise);
          return;
        }
        if (msg instanceof HttpResponse response && response.status().code() == 101) {
          cancel();
          cancelBody();
          state = State.UPGRADED;
        } else if (msg instanceof HttpResponse) {
          answering = true;
        }
        if (msg instanceof LastHttpContent && state == State.ANSWERING) {
          answering = false;
          if (--unanswered == 0) {
            cancelBody();
            awaitNextRequest(ctx);
          }
        }
        ctx.write(msg, promise);
      }
    };

    void awaitHead(ChannelHandlerContext ctx) {
      bytesContext = ctx;
      schedule(ctx, State.HEAD, limits.headerTimeout().toMillis(), () -> answerAndClose(ctx,
          GatewayFailure.requestTimeout("the request head did not arrive within " + limits.headerTimeout().toMillis() + " ms")));
    }

    /**
     * A request body must keep coming while Syncgate reads it: silence for the body timeout gets
     * 408 (or, once an answer has begun, a closed connection). Time in which Syncgate itself has
     * stopped reading (back-pressure, authentication under way) does not count.
     */
    private void awaitBody(ChannelHandlerContext ctx) {
      cancelBody();
      long millis = limits.bodyTimeout().toMillis();
      bodyTimer = ctx.executor().schedule(() -> {
        bodyTimer = null;
        if (state != State.ANSWERING) {
          return;
        }
        if (!ctx.channel().config().isAutoRead()) {
          awaitBody(ctx);
        } else if (answering) {
          ctx.channel().close();
        } else {
          answerAndClose(bytesContext, GatewayFailure.requestTimeout(
              "the request body stalled: nothing for " + millis + " ms"));
        }
      }, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelBody() {
      if (bodyTimer != null) {
        bodyTimer.cancel(false);
        bodyTimer = null;
      }
    }

    private void awaitNextRequest(ChannelHandlerContext ctx) {
      schedule(ctx, State.IDLE, limits.idleTimeout().toMillis(), () -> ctx.channel().close());
    }

    private void schedule(ChannelHandlerContext ctx, State next, long millis, Runnable onExpiry) {
      cancel();
      state = next;
      timer = ctx.executor().schedule(() -> {
        if (state == next) {
          onExpiry.run();
        }
      }, millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }

  /**
   * Vert.x's request decoder, except that a request with both {@code Content-Length} and
   * {@code Transfer-Encoding} is invalid (answered 400 and closed) instead of having its length
   * removed: two framings of one body are how requests get smuggled past a proxy.
   */
  static final class StrictRequestDecoder extends VertxHttpRequestDecoder {

    static final String BOTH_FRAMINGS = "Content-Length together with Transfer-Encoding";

    StrictRequestDecoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      throw new IllegalArgumentException(BOTH_FRAMINGS);
    }
  }
}
