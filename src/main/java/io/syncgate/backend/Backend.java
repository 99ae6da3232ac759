package io.syncgate.backend;

import io.syncgate.identity.Identity;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * A sync server that keeps users and sessions: Sync Gateway, or later CouchDB. Besides opening
 * and ending sessions, it says how a forwarded request presents one, so nothing else knows the
 * backend's cookie.
 */
public interface Backend {

  /**
   * Makes sure the identity's user exists in {@code db} and opens a session for it lasting
   * {@code ttl}. Fails with a {@link io.syncgate.failure.GatewayFailure} the client can be shown.
   */
  Future<BackendSession> openSession(String db, Identity identity, Duration ttl);

  /** What {@code identity} is given in {@code db}: compared to decide whether its user must be updated. */
  Grants grants(String db, Identity identity);

  /** Gives the identity's user in {@code db} its grants, where they changed (the user exists by now). */
  Future<Void> updateUser(String db, Identity identity);

  /** Ends one session; succeeds too when the backend no longer knows it. */
  Future<Void> deleteSession(String db, String sessionId);

  /** Ends every session of {@code username} in {@code db}. */
  Future<Void> deleteSessions(String db, String username);

  /** Whether the backend still honours the session of {@code username}: false once deleted or expired, or its user deleted or disabled. */
  Future<Boolean> sessionExists(String db, String username, String sessionId);

  /**
   * A {@code _local} document of {@code db} (never replicated), with its {@code _rev}; null when
   * there is none. Syncgate keeps what its instances share there.
   */
  Future<io.vertx.core.json.JsonObject> localDocument(String db, String id);

  /**
   * Writes a {@code _local} document, whose {@code _rev} must be the current one (none for a new
   * document); false when another writer got there first, to be read and written again.
   */
  Future<Boolean> putLocalDocument(String db, String id, io.vertx.core.json.JsonObject document);

  /** The name of the cookie the backend reads sessions from. */
  String sessionCookieName();

  /** The {@code Cookie} header value that presents {@code sessionId} to the backend. */
  default String sessionCookie(String sessionId) {
    return sessionCookieName() + "=" + sessionId;
  }
}
