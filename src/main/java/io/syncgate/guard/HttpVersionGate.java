package io.syncgate.guard;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.syncgate.failure.GatewayFailure;

/**
 * Refuses a request whose version is not HTTP/1.x with a JSON 505 — "PRI * HTTP/2.0" (cleartext
 * HTTP/2 with prior knowledge), say, which Vert.x would answer with an empty 501 — and drops
 * whatever follows it on the connection.
 */
final class HttpVersionGate extends ChannelInboundHandlerAdapter {

  private boolean refused;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!refused && !(msg instanceof HttpRequest request && request.protocolVersion().majorVersion() != 1)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ReferenceCountUtil.release(msg);
    if (!refused) {
      refused = true;
      RawAnswer.answerAndClose(ctx.pipeline().firstContext(), GatewayFailure.httpVersionNotSupported(
          "Syncgate speaks HTTP/1.1 here; cleartext HTTP/2 is off"));
    }
  }
}
