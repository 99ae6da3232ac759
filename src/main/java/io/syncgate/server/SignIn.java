package io.syncgate.server;

import io.syncgate.backend.BackendSession;
import io.syncgate.backend.Sessions;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.syncgate.identity.TokenVerifier;
import io.syncgate.proxy.SessionCookies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/**
 * Exchanges a verified bearer token for a backend session, answered in the Admin API's own shape
 * ({@code session_id}, {@code expires}, {@code cookie_name}) plus the cookie, so clients written
 * for Sync Gateway's OIDC sign-in work unchanged and Couchbase Lite can use the session id.
 */
final class SignIn {

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final SessionCookies cookies;
  private final String basePath;
  private final List<String> databases;

  SignIn(TokenVerifier verifier, Sessions sessions, SessionCookies cookies, String basePath, List<String> databases) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.cookies = cookies;
    this.basePath = basePath;
    this.databases = databases;
  }

  /** {@code POST {base}/{db}/_session} with {@code Authorization: Bearer <jwt>}. */
  void session(RoutingContext ctx) {
    InboundPath path = InboundPath.parse(ctx.request().uri(), basePath, databases);
    if (path.isKeyspace()) {
      // Sessions belong to the database, never to a scope or collection.
      throw GatewayFailure.notFound("sessions are created on the database, not on a keyspace");
    }
    signIn(ctx, path.database(), identity -> null);
  }

  /**
   * {@code GET {base}/_signin/{user}}: the seed's route, kept for its clients. The user in the
   * path must be the one the token names (its claim value or the derived user name): the seed
   * trusted it blindly, which let any signed-in user take over any account.
   */
  void seed(RoutingContext ctx) {
    String requested = ctx.pathParam("user");
    String db = ctx.queryParams().get("db") != null ? ctx.queryParams().get("db") : databases.get(0);
    if (!databases.contains(db)) {
      throw GatewayFailure.notFound("no such database");
    }
    signIn(ctx, db, identity -> requested.equals(identity.username()) || requested.equals(identity.claimValue())
        ? null : GatewayFailure.forbidden("the token does not belong to user " + requested));
  }

  private void signIn(RoutingContext ctx, String db, Function<Identity, GatewayFailure> check) {
    ctx.request().resume();
    Credentials credentials = Credentials.of(ctx.request());
    if (credentials.scheme() != Credentials.Scheme.BEARER) {
      throw GatewayFailure.credentialsRequired("sign in with the identity provider's token as a bearer token");
    }
    verifier.verify(credentials.value())
        .compose(identity -> {
          GatewayFailure refused = check.apply(identity);
          return refused != null ? Future.failedFuture(refused) : sessions.open(db, identity);
        })
        .onSuccess(session -> respond(ctx, db, session))
        .onFailure(ctx::fail);
  }

  private void respond(RoutingContext ctx, String db, BackendSession session) {
    String setCookie;
    try {
      setCookie = cookies.issue(session.cookieName(), session.sessionId(), basePath + "/" + db, session.expires());
    } catch (IllegalArgumentException e) {
      ctx.fail(GatewayFailure.badGateway("the backend issued a session that cannot be sent as a cookie"));
      return;
    }
    JsonObject body = new JsonObject()
        .put("session_id", session.sessionId())
        .put("expires", session.expiresText())
        .put("cookie_name", session.cookieName());
    ctx.response()
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .putHeader("set-cookie", setCookie)
        .end(body.encode());
  }
}
