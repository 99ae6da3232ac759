package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.TokenVerifier;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * What the sign-in and sign-out endpoints ({@link SignIn}, {@link SignOut}) share: the verifier
 * of bearer tokens, the sessions, how a request names its database, and the bound on the body
 * they read and drop.
 */
record SessionEndpoints(TokenVerifier verifier, Sessions sessions, String basePath, List<String> databases,
    int maxBodyBytes) {

  /**
   * The database a {@code {base}/{db}/_session} request names; a 404 with {@code keyspaceRefusal}
   * for a keyspace, since sessions belong to the database, never to a scope or collection.
   */
  String database(RoutingContext ctx, String keyspaceRefusal) {
    InboundPath path = InboundPath.parse(ctx.request().uri(), basePath, databases);
    if (path.isKeyspace()) {
      throw GatewayFailure.notFound(keyspaceRefusal);
    }
    return path.database();
  }

  /** Reads the request's body, at most {@code maxBodyBytes} of it, and drops it. */
  Future<Void> discardBody(RoutingContext ctx) {
    return SmallBody.discard(ctx.request(), maxBodyBytes);
  }
}
