package io.syncgate.proxy;

import io.syncgate.proxy.Outbound.Session;
import io.syncgate.session.SessionStreams;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

/**
 * The one step where a Bearer client's request is sent again: a GET or HEAD the backend refused
 * with 401 on the session held for the client (deleted at SG, say) goes again, once, on the
 * session {@link Sessions#replaceRefused} gives instead, and the client never sees the stale one.
 * Only the head is resent, so a request with a body is sent once, as it is. A feed's stream
 * registration moves to the new session with it.
 */
final class BearerRetry implements ProxyInterceptor {

  private final Session session;
  private final Sessions sessions;

  BearerRetry(Session session, Sessions sessions) {
    this.session = session;
    this.sessions = sessions;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    if (!isBodiless(context)) {
      return context.sendRequest();
    }
    return context.sendRequest().compose(response -> {
      if (response.getStatusCode() != 401) {
        return Future.succeededFuture(response);
      }
      response.release();
      return sessions.replaceRefused(session.presented().session(), session.bearer()).compose(fresh -> {
        context.request().headers().set("cookie", fresh.backendCookie());
        context.set(OutboundHeaders.SESSION, fresh.session());
        SessionStreams.Registration registration = context.get(OutboundHeaders.REGISTRATION,
            SessionStreams.Registration.class);
        if (registration != null) {
          registration.moveTo(fresh.session());
        }
        // The client's (empty) body was read by the first attempt. Not null: vertx-http-proxy's
        // failure path releases the body, and a null one would leave the client unanswered.
        context.request().setBody(Body.body(Buffer.buffer()));
        return context.sendRequest();
      });
    });
  }

  private static boolean isBodiless(ProxyContext context) {
    HttpServerRequest request = context.request().proxiedRequest();
    HttpMethod method = request.method();
    String length = request.getHeader("content-length");
    return (method == HttpMethod.GET || method == HttpMethod.HEAD) && !context.isWebSocket()
        && request.getHeader("transfer-encoding") == null && (length == null || length.trim().equals("0"));
  }
}
