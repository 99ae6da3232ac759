package io.syncgate.guard;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Every piece of Vert.x's implementation the guards rely on, in one place: the Netty channel
 * beneath an {@link HttpConnection}, the names Vert.x gives its HTTP/1.x codec handlers in a
 * server pipeline, and its request decoder. None of it is public API; {@code VertxInternalsTest}
 * pins each one, so a Vert.x release that moves them fails there, by name, rather than in an
 * end-to-end test far away.
 */
final class VertxInternals {

  /** The server pipeline's request decoder, named by Vert.x's {@code HttpServerWorker}. */
  static final String DECODER = "httpDecoder";
  /** The server pipeline's response encoder. */
  static final String ENCODER = "httpEncoder";

  private VertxInternals() {}

  /** The channel under {@code connection}, or {@code null} if Vert.x no longer exposes one. */
  static Channel channel(HttpConnection connection) {
    return connection instanceof ConnectionBase base ? base.channel() : null;
  }

  /** Whether {@code pipeline} is an HTTP/1.x server pipeline the guards know how to join. */
  static boolean isHttp1Server(ChannelPipeline pipeline) {
    return pipeline.get(DECODER) instanceof VertxHttpRequestDecoder && pipeline.get(ENCODER) != null;
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
