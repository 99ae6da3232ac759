package io.syncgate.server;

import io.syncgate.config.AccessPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.TokenVerifier;
import io.syncgate.proxy.Outbound;
import io.syncgate.proxy.Outbound.Anonymous;
import io.syncgate.proxy.Outbound.ClientPassword;
import io.syncgate.proxy.Outbound.ClientSession;
import io.syncgate.session.Sessions;
import io.syncgate.session.Sessions.Presented;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decides how a request to be forwarded is authenticated at the backend. A bearer token is
 * verified and exchanged for the session held for its user (the token itself never leaves
 * Syncgate); a session cookie must be a ticket Syncgate signed, within its deadline; a password
 * (Basic) login or a credential-less guest request passes only where the configuration allows it.
 */
final class Authenticator {

  private final TokenVerifier verifier;
  private final Sessions sessions;
  private final AccessPolicy access;

  Authenticator(TokenVerifier verifier, Sessions sessions, AccessPolicy access) {
    this.verifier = verifier;
    this.sessions = sessions;
    this.access = access;
  }

  /** @param client the client's address, by which failed token checks are limited */
  Future<Outbound> authenticate(HttpServerRequest request, InboundPath path, String client) {
    if (request.method() == HttpMethod.OPTIONS) {
      // CORS preflights are answered before this (CrossOrigin); any other OPTIONS reply holds no
      // data, and whatever credentials came along are dropped.
      return Future.succeededFuture(new Outbound(path.backendUri(), new Anonymous()));
    }
    Credentials credentials = Credentials.of(request);
    return switch (credentials.scheme()) {
      case BEARER -> verifier.verify(credentials.value(), client)
          .compose(identity -> sessions.forBearer(path.database(), identity)
              .map(presented -> new Outbound(path.backendUri(), new Outbound.Session(presented, identity))));
      case BASIC -> access.allowPasswordLogin()
          ? Future.succeededFuture(new Outbound(path.backendUri(), new ClientPassword()))
          : Future.failedFuture(GatewayFailure.credentialsRequired(
              "password login is disabled: send a bearer token from the identity provider"));
      case OTHER -> Future.failedFuture(GatewayFailure.credentialsRequired(
          "unsupported authorization scheme: send a bearer token"));
      case SESSION -> onTicket(request, path, credentials.value(), false);
      case NONE -> withoutAuthorization(request, path);
    };
  }

  private Future<Outbound> withoutAuthorization(HttpServerRequest request, InboundPath path) {
    String cookie = sessions.cookieIn(request.headers().getAll("cookie"));
    if (cookie != null) {
      return onTicket(request, path, cookie, true);
    }
    if (access.allowGuest()) {
      return Future.succeededFuture(new Outbound(path.backendUri(), new Anonymous()));
    }
    return Future.failedFuture(GatewayFailure.credentialsRequired(
        "sign in first: send a bearer token or the session cookie"));
  }

  /** A session ticket, from the cookie or a WebSocket's {@code SyncGatewaySession_} entry. */
  private Future<Outbound> onTicket(HttpServerRequest request, InboundPath path, String ticket, boolean fromCookie) {
    Presented presented;
    try {
      presented = sessions.forCookie(path.database(), ticket);
    } catch (GatewayFailure refused) {
      if (fromCookie) {
        // A ticket that can no longer serve is one the client should forget.
        request.response().putHeader("set-cookie", sessions.expiredCookie(path.database()));
      }
      return Future.failedFuture(refused);
    }
    return Future.succeededFuture(new Outbound(path.backendUri(),
        presented == null ? new ClientSession(ticket) : new Outbound.Session(presented, null)));
  }
}
