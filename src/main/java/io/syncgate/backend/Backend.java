package io.syncgate.backend;

import io.syncgate.identity.Identity;
import io.vertx.core.Future;
import java.time.Duration;

/** A sync server that keeps users and sessions: Sync Gateway, or later CouchDB. */
public interface Backend {

  /**
   * Makes sure the identity's user exists in {@code db} and opens a session for it lasting
   * {@code ttl}. Fails with a {@link io.syncgate.failure.GatewayFailure} the client can be shown.
   */
  Future<BackendSession> openSession(String db, Identity identity, Duration ttl);
}
