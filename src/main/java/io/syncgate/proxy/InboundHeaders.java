package io.syncgate.proxy;

import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes the backend's response fit for the client. Sync Gateway's sliding session renewal
 * re-sends its cookie: for a session Syncgate presents it stays here, and for a client's own
 * backend cookie its {@code Path=/{db}} becomes the path the client uses. Its {@code WWW-Authenticate: Basic} challenge would make
 * browsers pop a password dialog, so it becomes a Bearer challenge.
 */
final class InboundHeaders implements ProxyInterceptor {

  private final Outbound outbound;
  private final Sessions sessions;

  InboundHeaders(Outbound outbound, Sessions sessions) {
    this.outbound = outbound;
    this.sessions = sessions;
  }

  /** RFC 9110 §7.6.1: hop-by-hop fields describe the backend's connection, not ours. */
  private static final List<String> HOP_BY_HOP = List.of(
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate");

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    MultiMap headers = context.response().headers();
    if (context.response().getStatusCode() != 101) {
      for (String name : connectionOptions(headers)) {
        headers.remove(name);
      }
      HOP_BY_HOP.forEach(headers::remove);
    }
    // The response already carries the request's id as Syncgate chose it, whatever the backend echoes.
    headers.remove("x-request-id");
    // vertx-http-proxy parses a backend's Date to write it again (a sixteenth of a small request's
    // CPU in the profile); without one it writes the time of sending, as RFC 9110 §6.6.1 lets a proxy.
    headers.remove("date");
    // CORS is Syncgate's (server.CrossOrigin): the backend's own settings must never widen it.
    headers.names().stream().filter(name -> name.regionMatches(true, 0, "access-control-", 0, 15)).toList()
        .forEach(headers::remove);
    mergeVary(headers, context.request().proxiedRequest().response().headers().getAll("vary"));
    List<String> setCookies = new ArrayList<>(headers.getAll("set-cookie"));
    headers.remove("set-cookie");
    // A session Syncgate presents is Syncgate's business: the backend's renewals stay here.
    if (!(outbound.credential() instanceof Outbound.Session)) {
      for (String setCookie : setCookies) {
        try {
          String rewritten = sessions.rewriteBackendCookie(setCookie);
          if (rewritten != null) {
            headers.add("set-cookie", rewritten);
          }
        } catch (IllegalArgumentException e) {
          // A cookie we cannot re-issue safely is one the client does without.
        }
      }
    }
    if (context.response().getStatusCode() == 401) {
      if (outbound.credential() instanceof Outbound.Session session) {
        if (session.isBearer()) {
          sessions.forgetRefused(session.presented().session());
        } else {
          // The backend no longer honours the ticket's session: the client should forget it too.
          headers.add("set-cookie", sessions.expiredCookie(session.presented().session().db()));
        }
      }
      // SG's Basic challenge would make a browser ask for a password, and SG leaves the challenge
      // out of some 401s ("Session Invalid"), which RFC 9110 §15.5.2 requires: ours in every one.
      headers.set("www-authenticate", "Bearer realm=\"syncgate\"");
    }
    return context.sendResponse();
  }

  /**
   * The backend's {@code Vary} less what Syncgate's answer already varies on ({@code Origin}, set
   * for CORS): each field once, or caches would store the answer under a doubled key.
   */
  private static void mergeVary(MultiMap headers, List<String> ours) {
    List<String> backend = headers.getAll("vary");
    if (backend.isEmpty()) {
      return;
    }
    List<String> seen = new ArrayList<>();
    for (String value : ours) {
      for (String field : value.split(",")) {
        seen.add(field.trim().toLowerCase(Locale.ROOT));
      }
    }
    List<String> added = new ArrayList<>();
    for (String value : backend) {
      for (String field : value.split(",")) {
        String name = field.trim();
        if (!name.isEmpty() && !seen.contains(name.toLowerCase(Locale.ROOT))) {
          seen.add(name.toLowerCase(Locale.ROOT));
          added.add(name);
        }
      }
    }
    headers.remove("vary");
    if (!added.isEmpty()) {
      headers.set("vary", String.join(", ", added));
    }
  }

  /** Fields the backend named in {@code Connection} are hop-by-hop too. */
  private static List<String> connectionOptions(MultiMap headers) {
    List<String> names = new ArrayList<>();
    for (String value : headers.getAll("connection")) {
      for (String name : value.split(",")) {
        if (!name.isBlank()) {
          names.add(name.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return names;
  }
}
