package io.syncgate.backend.syncgateway;

import io.syncgate.backend.Backend;
import io.syncgate.backend.BackendSession;
import io.syncgate.config.SyncGatewayConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync Gateway as a backend, through its Admin API: the user is created on first sign-in (with a
 * random password nobody learns, so only Syncgate can open sessions for it), then a session is
 * created with {@code POST /{db}/_session}, Couchbase's documented custom-authentication flow.
 */
public final class SyncGatewayBackend implements Backend {

  private static final Logger log = LoggerFactory.getLogger(SyncGatewayBackend.class);

  private final AdminApi admin;
  private final String cookieName;
  private final SecureRandom random = new SecureRandom();

  public SyncGatewayBackend(WebClient web, SyncGatewayConfig config) {
    this.admin = new AdminApi(web, config);
    this.cookieName = config.sessionCookieName();
  }

  @Override
  public String sessionCookieName() {
    return cookieName;
  }

  @Override
  public Future<Void> deleteSession(String db, String sessionId) {
    return admin.deleteSession(db, sessionId).compose(response -> switch (response.statusCode()) {
      case 200, 204, 404 -> Future.<Void>succeededFuture();
      default -> Future.failedFuture(admin.unexpected("DELETE _session", response));
    });
  }

  @Override
  public Future<Void> deleteSessions(String db, String username) {
    return admin.deleteUserSessions(db, username).compose(response -> switch (response.statusCode()) {
      case 200, 204, 404 -> Future.<Void>succeededFuture();
      default -> Future.failedFuture(admin.unexpected("DELETE _user/{name}/_session", response));
    });
  }

  @Override
  public Future<Boolean> sessionExists(String db, String sessionId) {
    return admin.getSession(db, sessionId).compose(response -> switch (response.statusCode()) {
      case 200 -> Future.succeededFuture(true);
      case 404 -> Future.succeededFuture(false);
      default -> Future.failedFuture(admin.unexpected("GET _session", response));
    });
  }

  @Override
  public Future<BackendSession> openSession(String db, Identity identity, Duration ttl) {
    String name = identity.username();
    return ensureUser(db, name)
        .compose(created -> createSession(db, name, ttl))
        .recover(failure -> {
          // The user vanished between our check and the session (deleted by an operator): recreate once.
          if (failure instanceof UserMissing) {
            return ensureUser(db, name).compose(created -> createSession(db, name, ttl));
          }
          return Future.failedFuture(failure);
        })
        .recover(failure -> Future.failedFuture(failure instanceof GatewayFailure
            ? failure : GatewayFailure.badGateway("Sync Gateway refused to open a session")));
  }

  private Future<Boolean> ensureUser(String db, String name) {
    return admin.getUser(db, name).compose(response -> switch (response.statusCode()) {
      case 200 -> Future.succeededFuture(false);
      case 404 -> {
        JsonObject user = new JsonObject().put("name", name).put("password", randomPassword());
        yield admin.putUser(db, name, user).map(created -> {
          log.info("created Sync Gateway user {} in {}", name, db);
          return true;
        });
      }
      default -> Future.failedFuture(admin.unexpected("GET _user", response));
    });
  }

  private Future<BackendSession> createSession(String db, String name, Duration ttl) {
    JsonObject body = new JsonObject().put("name", name).put("ttl", ttl.toSeconds());
    return admin.postSession(db, body).compose(response -> switch (response.statusCode()) {
      case 200 -> Future.succeededFuture(session(response.bodyAsString()));
      case 404 -> Future.failedFuture(new UserMissing());
      case 400 -> Future.failedFuture(GatewayFailure.forbidden("Sync Gateway refused a session for this user"));
      default -> Future.failedFuture(admin.unexpected("POST _session", response));
    });
  }

  private static BackendSession session(String json) {
    try {
      JsonObject body = new JsonObject(json);
      String id = body.getString("session_id");
      String cookieName = body.getString("cookie_name");
      String expires = body.getString("expires");
      if (id == null || cookieName == null || expires == null) {
        throw GatewayFailure.badGateway("Sync Gateway answered a session without id, cookie name or expiry");
      }
      return new BackendSession(id, cookieName, Instant.parse(expires), expires);
    } catch (DecodeException | DateTimeParseException | ClassCastException e) {
      throw GatewayFailure.badGateway("Sync Gateway answered a session Syncgate cannot read");
    }
  }

  private String randomPassword() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** SG said 404 to a session for a user we had just seen. */
  private static final class UserMissing extends RuntimeException {
    UserMissing() {
      super("user missing", null, false, false);
    }
  }
}
