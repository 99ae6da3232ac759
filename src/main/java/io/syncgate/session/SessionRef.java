package io.syncgate.session;

import io.syncgate.identity.LogoutSubject;
import java.time.Instant;
import java.util.Objects;

/**
 * The backend session a request runs on, and until when it may: a bearer client's token
 * expiry, or the deadline in a cookie client's ticket. {@code origin} names the token it was
 * opened for, so that the provider's logout of that user or provider session ends it; null for
 * a session of a ticket issued before tickets carried it.
 */
public record SessionRef(String db, String username, String sessionId, Instant deadline, LogoutSubject origin) {

  public SessionRef {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(deadline, "deadline");
  }

  public SessionRef(String db, String username, String sessionId, Instant deadline) {
    this(db, username, sessionId, deadline, null);
  }

  @Override
  public String toString() {
    return "SessionRef[db=" + db + ", username=" + username + ", deadline=" + deadline + "]";
  }
}
