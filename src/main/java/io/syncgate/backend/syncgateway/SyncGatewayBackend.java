package io.syncgate.backend.syncgateway;

import io.micrometer.core.instrument.Timer;
import io.syncgate.backend.Backend;
import io.syncgate.backend.BackendSession;
import io.syncgate.backend.Grants;
import io.syncgate.config.Provisioning;
import io.syncgate.config.SyncGatewayConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync Gateway as a backend, through its Admin API: the user is created on first sign-in (with a
 * random password nobody learns, so only Syncgate can open sessions for it) and given the roles,
 * channels and email its claims map to, then a session is created with
 * {@code POST /{db}/_session}, Couchbase's documented custom-authentication flow.
 */
public final class SyncGatewayBackend implements Backend {

  private static final Logger log = LoggerFactory.getLogger(SyncGatewayBackend.class);

  private final AdminApi admin;
  private final String cookieName;
  private final Map<String, Provisioning> provisioning;
  private final SecureRandom random = new SecureRandom();

  /** @param adminLatency records each Admin API call's time to its answer */
  public SyncGatewayBackend(WebClient web, SyncGatewayConfig config, Map<String, Provisioning> provisioning,
      Timer adminLatency) {
    this.admin = new AdminApi(web, config, adminLatency);
    this.cookieName = config.sessionCookieName();
    this.provisioning = Map.copyOf(provisioning);
  }

  /**
   * Asks Sync Gateway's Admin API about each database once, through {@code web} (a pool of its
   * own: checks never take a connection a sign-in needs), and answers what is wrong, one line per
   * database; empty when SG serves every one to Syncgate's credentials.
   */
  public static Future<List<String>> check(WebClient web, SyncGatewayConfig config) {
    return new DatabaseCheck(new AdminApi(web, config, null), config).problems();
  }

  @Override
  public String sessionCookieName() {
    return cookieName;
  }

  @Override
  public Grants grants(String db, Identity identity) {
    return Grants.of(db, provisioning.getOrDefault(db, Provisioning.none()), identity);
  }

  @Override
  public Future<Void> updateUser(String db, Identity identity) {
    return ensureUser(db, identity);
  }

  @Override
  public Future<Void> deleteSession(String db, String sessionId) {
    return admin.deleteSession(db, sessionId).compose(response -> switch (response.statusCode()) {
      case 200, 204, 404 -> Future.<Void>succeededFuture();
      default -> Future.failedFuture(admin.unexpected("DELETE _session", response));
    });
  }

  @Override
  public Future<JsonObject> localDocument(String db, String id) {
    return admin.getLocal(db, id).compose(response -> switch (response.statusCode()) {
      case 200 -> Future.succeededFuture(parse(response.bodyAsString()));
      case 404 -> Future.succeededFuture((JsonObject) null);
      default -> Future.failedFuture(admin.unexpected("GET _local", response));
    });
  }

  @Override
  public Future<Boolean> putLocalDocument(String db, String id, JsonObject document) {
    return admin.putLocal(db, id, document).compose(response -> switch (response.statusCode()) {
      case 200, 201 -> Future.succeededFuture(true);
      case 409 -> Future.succeededFuture(false);
      default -> Future.failedFuture(admin.unexpected("PUT _local", response));
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
  public Future<Boolean> sessionExists(String db, String username, String sessionId) {
    // SG's GET _session/{id} answers for a session whose user was deleted or disabled as well:
    // the user is asked about too.
    return admin.getSession(db, sessionId).compose(response -> switch (response.statusCode()) {
      case 200 -> admin.getUser(db, username).compose(user -> switch (user.statusCode()) {
        case 200 -> Future.succeededFuture(!parse(user.bodyAsString()).getBoolean("disabled", false));
        case 404 -> Future.succeededFuture(false);
        default -> Future.failedFuture(admin.unexpected("GET _user", user));
      });
      case 404 -> Future.succeededFuture(false);
      default -> Future.failedFuture(admin.unexpected("GET _session", response));
    });
  }

  @Override
  public Future<BackendSession> openSession(String db, Identity identity, Duration ttl) {
    String name = identity.username();
    return ensureUser(db, identity)
        .compose(ready -> createSession(db, name, ttl))
        .recover(failure -> {
          // The user vanished between our check and the session (deleted by an operator): recreate once.
          if (failure instanceof UserMissing) {
            return ensureUser(db, identity).compose(ready -> createSession(db, name, ttl));
          }
          return Future.failedFuture(failure);
        })
        .recover(failure -> Future.failedFuture(failure instanceof GatewayFailure
            ? failure : GatewayFailure.badGateway("Sync Gateway refused to open a session")));
  }

  /**
   * The user exists, is enabled, and has the grants its claims give it: created on first sign-in
   * (where the database registers users), written again only when its grants changed — never
   * its password, which only a new user gets (random, known to nobody).
   */
  private Future<Void> ensureUser(String db, Identity identity) {
    String name = identity.username();
    Provisioning rules = provisioning.getOrDefault(db, Provisioning.none());
    Grants wanted = Grants.of(db, rules, identity);
    return admin.getUser(db, name).compose(response -> switch (response.statusCode()) {
      case 200 -> {
        JsonObject user = parse(response.bodyAsString());
        if (user.getBoolean("disabled", false)) {
          yield Future.failedFuture(GatewayFailure.forbidden("this user is disabled in Sync Gateway"));
        }
        if (!rules.managesGrants() || unchanged(wanted, user)) {
          yield Future.succeededFuture();
        }
        yield admin.putUser(db, name, userBody(name, wanted, null)).<Void>mapEmpty()
            .onSuccess(v -> log.info("updated the grants of Sync Gateway user {} in {}", name, db));
      }
      case 404 -> {
        if (!rules.autoRegister()) {
          yield Future.failedFuture(GatewayFailure.forbidden(
              "no such user in this database, and it does not register users: ask its administrator"));
        }
        yield admin.putUser(db, name, userBody(name, wanted, randomPassword())).<Void>mapEmpty()
            .onSuccess(v -> log.info("created Sync Gateway user {} in {}", name, db));
      }
      default -> Future.failedFuture(admin.unexpected("GET _user", response));
    });
  }

  private static JsonObject userBody(String name, Grants grants, String password) {
    JsonObject body = new JsonObject().put("name", name)
        .put("admin_roles", new JsonArray(List.copyOf(grants.roles())))
        .put("admin_channels", new JsonArray(List.copyOf(grants.channels())));
    if (grants.email() != null) {
      body.put("email", grants.email());
    }
    if (password != null) {
      body.put("password", password);
    }
    return body;
  }

  /**
   * Whether {@code user}, as SG presents it, already has {@code wanted}. SG 4.0 leaves
   * {@code admin_roles} and {@code admin_channels} out when empty and shows {@code "email": ""}
   * when none is set; absent and empty are the same grants. An email Syncgate does not set is not
   * compared: its PUT leaves SG's as it is (a user PUT merges).
   */
  private static boolean unchanged(Grants wanted, JsonObject user) {
    Object email = user.getValue("email");
    return wanted.roles().equals(strings(user.getJsonArray("admin_roles")))
        && wanted.channels().equals(strings(user.getJsonArray("admin_channels")))
        && (wanted.email() == null || wanted.email().equals(email));
  }

  private static Set<String> strings(JsonArray array) {
    Set<String> values = new HashSet<>();
    if (array != null) {
      array.forEach(value -> values.add(String.valueOf(value)));
    }
    return values;
  }

  private static JsonObject parse(String body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException | NullPointerException e) {
      throw GatewayFailure.badGateway("Sync Gateway answered a user Syncgate cannot read");
    }
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
