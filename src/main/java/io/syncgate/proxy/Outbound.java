package io.syncgate.proxy;

import java.util.Objects;

/**
 * What to send the backend for one inbound request, decided by authentication.
 *
 * @param uri the backend path and query: the raw inbound path without the base path, so
 *     percent-encoded bytes such as {@code %2F} in document ids reach the backend as sent
 * @param sessionCookie {@code name=value} of the backend session to present, or null to pass on
 *     the client's own session cookie
 * @param bearer whether the client authenticated with a bearer token; its session is Syncgate's
 *     business, so backend {@code Set-Cookie}s are not passed back to it
 * @param keepAuthorization whether the client's {@code Authorization} header goes to the backend
 *     (only for password logins, when explicitly allowed)
 * @param onRefused called when the backend answers 401, e.g. to forget a cached session
 */
public record Outbound(String uri, String sessionCookie, boolean bearer, boolean keepAuthorization, Runnable onRefused) {

  public Outbound {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(onRefused, "onRefused");
    if (!uri.startsWith("/")) {
      throw new IllegalArgumentException("uri must be absolute-path: " + uri);
    }
  }

  @Override
  public String toString() {
    return "Outbound[uri=" + uri + ", bearer=" + bearer + "]";
  }
}
