package io.syncgate.server;

import io.syncgate.proxy.SubProtocols;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * What the client presented: its {@code Authorization} header, or on a WebSocket handshake
 * without one, a credential entry of its {@code Sec-WebSocket-Protocol} ({@link SubProtocols}).
 * A cookie is read later, as the last resort, as Sync Gateway reads it.
 */
record Credentials(Scheme scheme, String value) {

  /** {@code SESSION}: a Syncgate ticket named by a {@code SyncGatewaySession_} entry. */
  enum Scheme { NONE, BEARER, BASIC, SESSION, OTHER }

  /** The {@code Authorization} header, or on a WebSocket handshake to forward, a subprotocol entry. */
  static Credentials of(HttpServerRequest request) {
    String header = request.getHeader("authorization");
    if ((header == null || header.isBlank()) && request.canUpgradeToWebSocket()) {
      return ofSubProtocols(request);
    }
    return ofHeader(request);
  }

  /** The {@code Authorization} header alone: what Syncgate's own endpoints (sign-in, sign-out) read. */
  static Credentials ofHeader(HttpServerRequest request) {
    String header = request.getHeader("authorization");
    if (header == null || header.isBlank()) {
      return new Credentials(Scheme.NONE, null);
    }
    String trimmed = header.trim();
    int space = trimmed.indexOf(' ');
    String scheme = (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
    String value = space < 0 ? "" : trimmed.substring(space + 1).trim();
    // RFC 7235 §2.1: the auth-scheme is case-insensitive.
    return switch (scheme) {
      case "bearer" -> new Credentials(Scheme.BEARER, value);
      case "basic" -> new Credentials(Scheme.BASIC, value);
      default -> new Credentials(Scheme.OTHER, null);
    };
  }

  private static Credentials ofSubProtocols(HttpServerRequest request) {
    SubProtocols entries = SubProtocols.parse(request.headers().getAll("sec-websocket-protocol"));
    if (entries.bearer() != null) {
      return new Credentials(Scheme.BEARER, entries.bearer());
    }
    if (entries.session() != null) {
      return new Credentials(Scheme.SESSION, entries.session());
    }
    return new Credentials(Scheme.NONE, null);
  }
}
