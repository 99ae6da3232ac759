package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.syncgate.session.SessionRef;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code DELETE {base}/{db}/_session}: ends the caller's session at the backend through the Admin
 * API, ends the streams that ran on it, and expires the cookie. A cookie client names its session
 * by its ticket; a bearer client ends the session held for it. With {@code ?all=true} every session
 * of the user in that database ends, on every device ({@code DELETE /{db}/_user/{name}/_session}).
 */
final class SignOut {

  private final SessionEndpoints endpoints;
  private final Sessions sessions;

  SignOut(SessionEndpoints endpoints) {
    this.endpoints = endpoints;
    this.sessions = endpoints.sessions();
  }

  void session(RoutingContext ctx) {
    // Read (and drop) the body first: a refused one must change nothing.
    endpoints.discardBody(ctx).onComplete(read -> {
      try {
        if (read.failed()) {
          throw read.cause();
        }
        signOut(ctx);
      } catch (Throwable e) {
        ctx.fail(e);
      }
    });
  }

  private void signOut(RoutingContext ctx) {
    String db = endpoints.database(ctx, "sessions belong to the database, not to a keyspace");
    boolean all = "true".equals(ctx.queryParams().get("all"));
    Credentials credentials = Credentials.ofHeader(ctx.request());
    Future<Void> ended;
    if (credentials.scheme() == Credentials.Scheme.BEARER) {
      ended = endpoints.verifier().verify(credentials.value(), ctx.get(GatewayRouter.CLIENT)).compose(identity -> {
        if (all) {
          return sessions.revokeAll(db, identity.username());
        }
        SessionRef held = sessions.heldFor(db, identity);
        return held == null ? Future.<Void>succeededFuture() : sessions.signOut(held);
      });
    } else if (credentials.scheme() == Credentials.Scheme.NONE
        && sessions.cookieIn(ctx.request().headers().getAll("cookie")) != null) {
      String cookie = sessions.cookieIn(ctx.request().headers().getAll("cookie"));
      SessionRef session = sessions.ticketOf(db, cookie);
      if (session == null) {
        throw GatewayFailure.credentialsRequired("the session cookie is not one Syncgate issued for this database");
      }
      if (all) {
        // Ending every device's session takes a session still in force, not any ticket ever issued.
        sessions.forCookie(db, cookie);
        ended = sessions.revokeAll(db, session.username());
      } else {
        ended = sessions.signOut(session);
      }
    } else {
      throw GatewayFailure.credentialsRequired("sign out with the session cookie or a bearer token");
    }
    ended.onSuccess(v -> ctx.response()
            .putHeader("content-type", "application/json")
            .putHeader("cache-control", "no-store")
            .putHeader("set-cookie", sessions.expiredCookie(db))
            .end(new JsonObject().put("ok", true).encode()))
        .onFailure(ctx::fail);
  }
}
