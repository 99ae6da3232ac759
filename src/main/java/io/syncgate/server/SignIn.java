package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.syncgate.session.Sessions.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/**
 * Exchanges a verified bearer token for a session bound to it, answered in the Admin API's own
 * shape ({@code session_id}, {@code expires}, {@code cookie_name}) plus the cookie, so clients
 * written for Sync Gateway's OIDC sign-in work unchanged and Couchbase Lite's
 * {@code SessionAuthenticator} can use the session id. The session id is Syncgate's signed ticket
 * for the backend session, not the backend's own id.
 */
final class SignIn {

  private final SessionEndpoints endpoints;

  SignIn(SessionEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  /** {@code POST {base}/{db}/_session} with {@code Authorization: Bearer <jwt>}. */
  void session(RoutingContext ctx) {
    signIn(ctx, endpoints.database(ctx, "sessions are created on the database, not on a keyspace"), identity -> null);
  }

  /**
   * {@code GET {base}/_signin/{user}}: the seed's route, kept for its clients. The user in the
   * path must be the one the token names (its claim value or the derived user name): the seed
   * trusted it blindly, which let any signed-in user take over any account.
   */
  void seed(RoutingContext ctx) {
    String requested = ctx.pathParam("user");
    List<String> databases = endpoints.databases();
    String db = ctx.queryParams().get("db") != null ? ctx.queryParams().get("db") : databases.get(0);
    if (!databases.contains(db)) {
      throw GatewayFailure.notFound("no such database");
    }
    signIn(ctx, db, identity -> requested.equals(identity.username()) || requested.equals(identity.claimValue())
        ? null : GatewayFailure.forbidden("the token does not belong to user " + requested));
  }

  private void signIn(RoutingContext ctx, String db, Function<Identity, GatewayFailure> check) {
    Credentials credentials = Credentials.ofHeader(ctx.request());
    if (credentials.scheme() != Credentials.Scheme.BEARER) {
      throw GatewayFailure.credentialsRequired("sign in with the identity provider's token as a bearer token");
    }
    endpoints.discardBody(ctx)
        .compose(v -> endpoints.verifier().verify(credentials.value(), ctx.get(GatewayRouter.CLIENT)))
        .compose(identity -> {
          GatewayFailure refused = check.apply(identity);
          return refused != null ? Future.failedFuture(refused) : endpoints.sessions().signIn(db, identity);
        })
        .onSuccess(session -> respond(ctx, session))
        .onFailure(ctx::fail);
  }

  private void respond(RoutingContext ctx, SignedIn session) {
    JsonObject body = new JsonObject()
        .put("session_id", session.ticket())
        .put("expires", session.expires())
        .put("cookie_name", session.cookieName());
    ctx.response()
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .putHeader("set-cookie", session.setCookie())
        .end(body.encode());
  }
}
