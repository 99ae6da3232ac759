package io.syncgate.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.syncgate.failure.GatewayFailure;
import java.nio.charset.StandardCharsets;

/**
 * A whole JSON refusal written straight to the socket, beneath the HTTP encoder (there may be no
 * request to answer through it), after which the connection closes.
 */
final class RawAnswer {

  private RawAnswer() {}

  static void answerAndClose(ChannelHandlerContext beneathCodec, GatewayFailure failure) {
    byte[] body = failure.toJson().encode().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + failure.status() + " " + HttpResponseStatus.valueOf(failure.status()).reasonPhrase()
        + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length
        + (failure.retryAfterSeconds() > 0 ? "\r\nretry-after: " + failure.retryAfterSeconds() : "")
        + "\r\nconnection: close\r\n\r\n";
    ByteBuf bytes = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
    beneathCodec.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
  }
}
