package io.syncgate.proxy;

import io.syncgate.proxy.Outbound.Anonymous;
import io.syncgate.proxy.Outbound.ClientPassword;
import io.syncgate.proxy.Outbound.ClientSession;
import io.syncgate.proxy.Outbound.Credential;
import io.syncgate.proxy.Outbound.Session;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Makes the request safe to send: the backend sees the raw path under its own prefix, the session
 * that authentication chose, and none of the client's credentials or identity-claiming headers.
 * A client could otherwise pass a JWT on to the backend, or claim {@code X-Auth-CouchDB-Roles: _admin}.
 */
final class OutboundHeaders implements ProxyInterceptor {

  /** The session the request was sent on, for the links that track streams. */
  static final String SESSION = "syncgate.session";
  /** The stream registration of this request, if it is a tracked feed or WebSocket. */
  static final String REGISTRATION = "syncgate.stream";

  /** RFC 9110 §7.6.1's connection-specific fields, which vertx-http-proxy keeps on a handshake. */
  private static final List<String> HOP_BY_HOP =
      List.of("keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer",
          "transfer-encoding");

  private final Outbound outbound;
  private final String originPath;
  private final String sessionCookieName;

  OutboundHeaders(Outbound outbound, String originPath, Sessions sessions) {
    this.outbound = outbound;
    this.originPath = originPath;
    this.sessionCookieName = sessions.cookieName();
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    context.request().setURI(originPath + outbound.uri());
    MultiMap headers = context.request().headers();
    Credential credential = outbound.credential();
    if (!(credential instanceof ClientPassword)) {
      headers.remove("authorization");
    }
    // Our listener answers 100-continue itself; passing Expect on would stall the body.
    headers.remove("expect");
    // Fields the client named in Connection describe its hop to us (vertx-http-proxy drops only the
    // fixed ones, and none at all on a WebSocket handshake, whose Upgrade the backend needs).
    for (String value : headers.getAll("connection")) {
      for (String name : value.split(",")) {
        String trimmed = name.trim();
        if (!trimmed.isEmpty() && !(context.isWebSocket() && trimmed.equalsIgnoreCase("upgrade"))) {
          headers.remove(trimmed);
        }
      }
    }
    if (context.isWebSocket()) {
      HOP_BY_HOP.forEach(headers::remove);
    }
    if (headers.contains("sec-websocket-protocol")) {
      // Credential entries stay here, whatever authenticated the request, and even where a proxy
      // in front turned a handshake into a plain request; the protocols go on.
      List<String> protocols = SubProtocols.parse(headers.getAll("sec-websocket-protocol")).protocols();
      headers.remove("sec-websocket-protocol");
      if (!protocols.isEmpty()) {
        headers.set("sec-websocket-protocol", String.join(", ", protocols));
      }
    }
    List<String> claimed = new ArrayList<>();
    for (String name : headers.names()) {
      if (name.toLowerCase(Locale.ROOT).startsWith("x-auth-couchdb-")) {
        claimed.add(name);
      }
    }
    claimed.forEach(headers::remove);
    String cookie = switch (credential) {
      case Session session -> session.presented().backendCookie();
      case ClientSession client -> sessionCookieName + "=" + client.cookie();
      case ClientPassword password -> null;
      case Anonymous anonymous -> null;
    };
    headers.remove("cookie");
    if (cookie != null) {
      headers.set("cookie", cookie);
    }
    if (credential instanceof Session session) {
      context.set(SESSION, session.presented().session());
    }
    return context.sendRequest();
  }
}
