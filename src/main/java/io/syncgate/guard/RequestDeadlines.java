package io.syncgate.guard;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.syncgate.config.InboundLimits;
import io.syncgate.failure.GatewayFailure;
import java.util.concurrent.TimeUnit;

/**
 * One connection's deadlines, on its event loop: a request head must arrive within
 * {@code listen.header_timeout} of its first byte (else 408), a body must keep arriving while it
 * is read ({@code listen.body_timeout}), and a kept-alive connection must start its next request
 * within {@code listen.idle_timeout} (else closed). None applies while a response is streaming or
 * once the connection has become a WebSocket, so a feed lasts as long as it does.
 *
 * <p>Two handlers share this state: {@link #bytes} beneath the HTTP codec, which sees a request's
 * first byte, and {@link #messages} above it, which sees whole heads and the ends of responses.
 */
final class RequestDeadlines {

  private enum State { IDLE, HEAD, ANSWERING, UPGRADED }

  private final InboundLimits limits;
  private State state = State.HEAD;
  /** Heads read and not yet answered: more than one when a client pipelines. */
  private int unanswered;
  /** Beneath the HTTP codec, where a refusal is written raw. */
  private ChannelHandlerContext bytesContext;
  private ScheduledFuture<?> timer;
  private ScheduledFuture<?> bodyTimer;
  /** A response head has gone out and its end has not. */
  private boolean answering;

  RequestDeadlines(InboundLimits limits) {
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

  /** Starts the head's deadline; {@code ctx} is the handler context beneath the codec. */
  void awaitHead(ChannelHandlerContext ctx) {
    bytesContext = ctx;
    schedule(ctx, State.HEAD, limits.headerTimeout().toMillis(), () -> RawAnswer.answerAndClose(ctx,
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
        RawAnswer.answerAndClose(bytesContext, GatewayFailure.requestTimeout(
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
