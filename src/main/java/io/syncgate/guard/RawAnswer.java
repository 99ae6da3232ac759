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
    byte[] body = failure.body().getBytes();
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(failure.status()).append(' ')
        .append(HttpResponseStatus.valueOf(failure.status()).reasonPhrase()).append("\r\n");
    failure.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("content-length: ").append(body.length).append("\r\nconnection: close\r\n\r\n");
    ByteBuf bytes = Unpooled.wrappedBuffer(head.toString().getBytes(StandardCharsets.US_ASCII), body);
    beneathCodec.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
  }
}
