package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads the body of a request Syncgate answers itself (sign-in, sign-out), which it has no use
 * for, up to a limit: a declared length over it is refused before a byte is read, a chunked body
 * as soon as it passes it, with 413. Nothing is kept.
 */
final class SmallBody {

  private SmallBody() {}

  static Future<Void> discard(HttpServerRequest request, int limit) {
    String declared = request.getHeader("content-length");
    if (declared != null && (declared.length() > 12 || Long.parseLong(declared.trim()) > limit)) {
      return Future.failedFuture(tooLarge(limit));
    }
    Promise<Void> read = Promise.promise();
    long[] seen = {0};
    request.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > limit && read.tryFail(tooLarge(limit))) {
        request.pause();
      }
    });
    request.endHandler(v -> read.tryComplete());
    // A client that leaves mid-body is no failure of Syncgate's.
    request.exceptionHandler(e -> read.tryFail(GatewayFailure.badRequest("the request body did not arrive")));
    request.resume();
    return read.future();
  }

  private static GatewayFailure tooLarge(int limit) {
    return GatewayFailure.payloadTooLarge("this endpoint reads at most " + limit + " bytes of body, and needs none");
  }
}
