package io.syncgate.server;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.guard.ConnectionGuard;
import io.vertx.core.http.HttpServerRequest;

/**
 * Answers a request whose head could not be read — a URL or headers over the limits, or not HTTP
 * at all — with JSON like every other refusal, instead of Vert.x's plain one. The connection is
 * closed after it: what follows on it cannot be trusted to start a request.
 */
final class InvalidRequests {

  private InvalidRequests() {}

  static void answer(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    GatewayFailure failure = cause instanceof TooLongHttpLineException
        ? GatewayFailure.uriTooLong("the request line is too long")
        : cause instanceof TooLongHttpHeaderException
            ? GatewayFailure.headersTooLarge("the request headers are too large")
            : ConnectionGuard.isBothFramings(cause)
                ? GatewayFailure.badRequest("the request has " + cause.getMessage() + ": one framing only (RFC 9112, section 6.1)")
                : GatewayFailure.badRequest("the request cannot be read");
    var response = request.response().setStatusCode(failure.status());
    failure.headers().forEach(response::putHeader);
    response.putHeader("connection", "close")
        .end(failure.body())
        .onComplete(v -> request.connection().close());
  }
}
