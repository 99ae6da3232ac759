package io.syncgate.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes the backend's response fit for the client. Sync Gateway's sliding session renewal
 * re-sends its cookie with {@code Path=/{db}}, which must become the path the client uses;
 * bearer clients get no cookie at all. Its {@code WWW-Authenticate: Basic} challenge would make
 * browsers pop a password dialog, so it becomes a Bearer challenge.
 */
final class InboundHeaders implements ProxyInterceptor {

  private final Outbound outbound;
  private final SessionCookies cookies;

  InboundHeaders(Outbound outbound, SessionCookies cookies) {
    this.outbound = outbound;
    this.cookies = cookies;
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    MultiMap headers = context.response().headers();
    List<String> setCookies = new ArrayList<>(headers.getAll("set-cookie"));
    headers.remove("set-cookie");
    if (!outbound.bearer()) {
      for (String setCookie : setCookies) {
        try {
          String rewritten = cookies.rewrite(setCookie);
          if (rewritten != null) {
            headers.add("set-cookie", rewritten);
          }
        } catch (IllegalArgumentException e) {
          // A cookie we cannot re-issue safely is one the client does without.
        }
      }
    }
    if (context.response().getStatusCode() == 401) {
      outbound.onRefused().run();
      List<String> challenges = headers.getAll("www-authenticate");
      if (challenges.stream().anyMatch(c -> c.toLowerCase(Locale.ROOT).startsWith("basic"))) {
        headers.set("www-authenticate", "Bearer realm=\"syncgate\"");
      }
    }
    return context.sendResponse();
  }
}
