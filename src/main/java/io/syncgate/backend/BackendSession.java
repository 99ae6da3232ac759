package io.syncgate.backend;

import java.time.Instant;
import java.util.Objects;

/**
 * A session the backend issued: the cookie a client (or Syncgate, for bearer clients) presents.
 * {@code expiresText} is the backend's own rendering of the expiry, echoed to clients unchanged.
 */
public record BackendSession(String sessionId, String cookieName, Instant expires, String expiresText) {

  public BackendSession {
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(cookieName, "cookieName");
    Objects.requireNonNull(expires, "expires");
    Objects.requireNonNull(expiresText, "expiresText");
  }

  @Override
  public String toString() {
    return "BackendSession[cookieName=" + cookieName + ", expires=" + expiresText + "]";
  }
}
