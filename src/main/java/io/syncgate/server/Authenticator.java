package io.syncgate.server;

import io.syncgate.backend.Sessions;
import io.syncgate.config.AccessPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.TokenVerifier;
import io.syncgate.proxy.Outbound;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decides how a request to be forwarded is authenticated at the backend. A bearer token is
 * verified and exchanged for the user's cached backend session (the token itself never leaves
 * Syncgate); a backend session cookie is passed on for the backend to check; a password (Basic)
 * login or a credential-less guest request passes only where the configuration allows it.
 */
final class Authenticator {

  private static final Runnable NOTHING = () -> {};

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final AccessPolicy access;
  private final String sessionCookieName;

  Authenticator(TokenVerifier verifier, Sessions sessions, AccessPolicy access, String sessionCookieName) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.access = access;
    this.sessionCookieName = sessionCookieName;
  }

  Future<Outbound> authenticate(HttpServerRequest request, InboundPath path) {
    Credentials credentials = Credentials.of(request);
    return switch (credentials.scheme()) {
      case BEARER -> verifier.verify(credentials.value())
          .compose(identity -> sessions.reuse(path.database(), identity).map(session -> new Outbound(
              path.backendUri(), session.cookieName() + "=" + session.sessionId(), true, false,
              () -> sessions.forget(path.database(), identity))));
      case BASIC -> access.allowPasswordLogin()
          ? Future.succeededFuture(new Outbound(path.backendUri(), null, false, true, NOTHING))
          : Future.failedFuture(GatewayFailure.credentialsRequired(
              "password login is disabled: send a bearer token from the identity provider"));
      case OTHER -> Future.failedFuture(GatewayFailure.credentialsRequired(
          "unsupported authorization scheme: send a bearer token"));
      case NONE -> withoutAuthorization(request, path);
    };
  }

  private Future<Outbound> withoutAuthorization(HttpServerRequest request, InboundPath path) {
    Cookie session = request.getCookie(sessionCookieName);
    if (session != null || access.allowGuest()) {
      return Future.succeededFuture(new Outbound(path.backendUri(), null, false, false, NOTHING));
    }
    return Future.failedFuture(GatewayFailure.credentialsRequired(
        "sign in first: send a bearer token or the session cookie"));
  }
}
