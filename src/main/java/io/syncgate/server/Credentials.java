package io.syncgate.server;

import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/** What the client presented in its {@code Authorization} header. */
record Credentials(Scheme scheme, String value) {

  enum Scheme { NONE, BEARER, BASIC, OTHER }

  static Credentials of(HttpServerRequest request) {
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
}
