package io.syncgate.session;

import java.time.Instant;
import java.util.Objects;

/**
 * The backend session a request runs on, and until when it may: a bearer client's token
 * expiry, or the deadline in a cookie client's ticket.
 */
public record SessionRef(String db, String username, String sessionId, Instant deadline) {

  public SessionRef {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(deadline, "deadline");
  }

  @Override
  public String toString() {
    return "SessionRef[db=" + db + ", username=" + username + ", deadline=" + deadline + "]";
  }
}
