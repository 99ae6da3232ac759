package io.syncgate.proxy;

import io.netty.channel.ConnectTimeoutException;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.failure.PoolWait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a backend that cannot be reached into a JSON 502 (refused, reset) or 504 (timed out), and
 * a pool with no connection free in time into a 503 with {@code Retry-After}, instead of
 * vertx-http-proxy's empty 502, so clients see why. Once a response has started
 * streaming there is nothing to rewrite; the proxy then closes the exchange.
 */
final class OriginFailures implements ProxyInterceptor {

  private static final Logger log = LoggerFactory.getLogger(OriginFailures.class);
  private static final String FAILURE = "syncgate.origin-failure";

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    return context.sendRequest().onFailure(cause -> context.set(FAILURE, cause));
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    Throwable cause = context.get(FAILURE, Throwable.class);
    Buffer drained = context.get(Forwarder.DRAINED, Buffer.class);
    if (cause != null && drained != null) {
      // A feed ended at a stop before the backend answered: an empty answer it resumes from.
      context.response().setStatusCode(200).setStatusMessage(null)
          .setBody(Body.body(drained, MediaType.parse("application/json")));
    } else if (cause != null && context.request().proxiedRequest().response().closed()) {
      // The client left first, and its exchange was reset: nothing failed at the backend.
      log.debug("{} {}: the client left", context.request().getMethod(), context.request().proxiedRequest().path());
    } else if (cause != null) {
      // A failure of Syncgate's own (a fresh session refused on a retry) says itself what it is.
      GatewayFailure failure = cause instanceof GatewayFailure own ? own
          : PoolWait.exceeded(cause)
          ? GatewayFailure.unavailable("every connection to the backend is busy: try again", 1)
          : cause instanceof TimeoutException || cause instanceof ConnectTimeoutException
              ? GatewayFailure.gatewayTimeout("the backend did not answer in time")
              : GatewayFailure.badGateway("the backend is unreachable");
      // The path only: a query string may carry what no log should.
      log.warn("{} {}: {} ({})", context.request().getMethod(), context.request().proxiedRequest().path(),
          failure.reason(), cause.toString());
      Failures.answer(context.response(), failure);
    }
    return context.sendResponse();
  }
}
