package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads the body of a request Syncgate answers itself (sign-in, sign-out: which it has no use
 * for; back-channel logout: a form), up to a limit: a declared length over it is refused before a byte is read, a chunked body
 * as soon as it passes it, with 413. Nothing is kept.
 */
final class SmallBody {

  private SmallBody() {}

  static Future<Void> discard(HttpServerRequest request, int limit) {
    return read(request, limit, null).mapEmpty();
  }

  /** The whole body, up to {@code limit} bytes: for the few endpoints that read a form. */
  static Future<Buffer> read(HttpServerRequest request, int limit) {
    return read(request, limit, Buffer.buffer());
  }

  private static Future<Buffer> read(HttpServerRequest request, int limit, Buffer kept) {
    String declared = request.getHeader("content-length");
    if (declared != null && (declared.length() > 12 || Long.parseLong(declared.trim()) > limit)) {
      return Future.failedFuture(tooLarge(limit, kept != null));
    }
    Promise<Buffer> read = Promise.promise();
    long[] seen = {0};
    request.handler(chunk -> {
      seen[0] += chunk.length();
      if (seen[0] > limit && read.tryFail(tooLarge(limit, kept != null))) {
        request.pause();
      } else if (kept != null && seen[0] <= limit) {
        kept.appendBuffer(chunk);
      }
    });
    request.endHandler(v -> read.tryComplete(kept));
    // A client that leaves mid-body is no failure of Syncgate's.
    request.exceptionHandler(e -> read.tryFail(GatewayFailure.badRequest("the request body did not arrive")));
    request.resume();
    return read.future();
  }

  private static GatewayFailure tooLarge(int limit, boolean form) {
    return GatewayFailure.payloadTooLarge("this endpoint reads at most " + limit + " bytes of body" + (form ? "" : ", and needs none"));
  }
}
