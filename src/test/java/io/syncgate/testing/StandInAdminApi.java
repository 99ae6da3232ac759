package io.syncgate.testing;

import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import io.syncgate.testing.SyncGatewayStandIn.Session;
import io.syncgate.testing.SyncGatewayStandIn.User;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The stand-in's Admin API (port 4985 in a real deployment): HTTP Basic with the configured RBAC
 * user, then the user and session endpoints Syncgate uses, answering as {@code admin.yaml}
 * documents. A request that does not conform to the spec is answered 400 and recorded.
 */
final class StandInAdminApi {

  private StandInAdminApi() {}

  static Router router(SyncGatewayStandIn sg) {
    Router router = Router.router(sg.vertx);
    router.route().handler(ctx -> {
      ctx.response().putHeader("server", SyncGatewayStandIn.SERVER);
      if (sg.adminHanging && !StandInLocalDocuments.isRead(ctx)) {
        (isDatabaseCheck(ctx) ? sg.hungChecks : sg.hung).add(ctx);
        return;
      }
      ctx.next();
    });
    router.route().handler(BodyHandler.create());
    router.route().handler(ctx -> {
      String body = ctx.body().asString();
      if (!StandInLocalDocuments.isRead(ctx)) {
        (isDatabaseCheck(ctx) ? sg.databaseChecks : sg.adminRequests).add(SyncGatewayStandIn.seen(ctx.request(), body));
      }
      var violations = SyncGatewaySpec.adminViolations(toSpecRequest(ctx, body));
      if (!violations.isEmpty()) {
        sg.violations.add(ctx.request().method() + " " + ctx.request().uri() + ": " + violations);
        error(ctx, 400, "Bad Request", "request does not conform to the Admin API spec: " + violations);
        return;
      }
      if (!authorized(ctx)) {
        ctx.response().putHeader("www-authenticate", "Basic realm=\"Couchbase Sync Gateway\"");
        error(ctx, 401, "Unauthorized", "Login required");
        return;
      }
      if (ctx.request().path().equals("/")) {
        ctx.response().putHeader("content-type", "application/json").end(root(true).encode());
        return;
      }
      String db = ctx.pathParam("db") != null ? ctx.pathParam("db") : firstSegment(ctx.request().path());
      if (!sg.databases.contains(db)) {
        error(ctx, 404, "not_found", "no such database \"" + db + "\"");
        return;
      }
      ctx.next();
    });
    router.get("/:db/").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(databaseInfo(sg, ctx.pathParam("db"))));
    io.vertx.core.http.HttpClient store = sg.vertx.createHttpClient(SyncGatewayStandIn.storeClientOptions());
    router.get("/:db/_changes").handler(ctx -> adminChanges(sg, store, ctx));
    router.get("/:db/_user/:name").handler(ctx -> getUser(sg, ctx));
    router.head("/:db/_user/:name").handler(ctx -> getUser(sg, ctx));
    router.put("/:db/_user/:name").handler(ctx -> putUser(sg, store, ctx));
    router.delete("/:db/_user/:name").handler(ctx -> {
      User removed = sg.users.get(ctx.pathParam("db")).remove(ctx.pathParam("name"));
      if (removed == null) {
        error(ctx, 404, "not_found", "missing");
      } else {
        ctx.response().end();
      }
    });
    router.post("/:db/_session").handler(ctx -> createSession(sg, ctx));
    router.get("/:db/_session/:sessionid").handler(ctx -> {
      Session session = sg.sessions.get(ctx.pathParam("sessionid"));
      // As SG's getUserSession: the session alone counts, not whether its user was deleted or disabled.
      if (session == null || !session.db().equals(ctx.pathParam("db")) || !sg.now().isBefore(session.expires())) {
        error(ctx, 404, "not_found", "missing");
        return;
      }
      ctx.response().putHeader("content-type", "application/json")
          .end(StandInLogin.sessionInfo(sg, session.db(), session.user()).encode());
    });
    router.delete("/:db/_session/:sessionid").handler(ctx -> {
      String id = ctx.pathParam("sessionid");
      Session removed = sg.sessions.remove(id);
      if (removed != null && !removed.db().equals(ctx.pathParam("db"))) {
        sg.sessions.put(id, removed);
        removed = null;
      }
      // SG deletes the session's document whether or not it is there: a second DELETE is 200 too.
      if (removed == null && !sg.endedSessions.contains(id)) {
        error(ctx, 404, "not_found", "missing");
      } else {
        sg.endedSessions.add(id);
        ctx.response().end();
      }
    });
    router.delete("/:db/_user/:name/_session").handler(ctx -> {
      sg.sessions.values().stream()
          .filter(s -> s.db().equals(ctx.pathParam("db")) && s.user().equals(ctx.pathParam("name")))
          .toList().forEach(sg::invalidate);
      ctx.response().end();
    });
    StandInLocalDocuments.mount(router);
    router.get("/:db/_user/").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonArray(new java.util.TreeSet<>(sg.users.get(ctx.pathParam("db")).keySet()).stream().toList()).encode()));
    router.put("/:db/_role/:name").handler(ctx -> putRole(sg, ctx));
    router.get("/:db/_role/:name").handler(ctx -> {
      List<String> channels = sg.roles.get(ctx.pathParam("db")).get(ctx.pathParam("name"));
      if (channels == null) {
        error(ctx, 404, "not_found", "missing");
        return;
      }
      java.util.TreeSet<String> all = new java.util.TreeSet<>(channels);
      all.add("!");
      JsonObject body = new JsonObject().put("name", ctx.pathParam("name"));
      if (!channels.isEmpty()) {
        body.put("admin_channels", new JsonArray(channels));
      }
      ctx.response().putHeader("content-type", "application/json")
          .end(body.put("all_channels", new JsonArray(List.copyOf(all))).encode());
    });
    router.route().handler(ctx -> error(ctx, 404, "not_found", "unknown URL"));
    return router;
  }

  private static void getUser(SyncGatewayStandIn sg, RoutingContext ctx) {
    User user = sg.users.get(ctx.pathParam("db")).get(ctx.pathParam("name"));
    if (user == null) {
      error(ctx, 404, "not_found", "missing");
      return;
    }
    // SG 4.0's shape: email always (empty when none), admin_channels and the role lists only when
    // not empty, all_channels with the public channel "!".
    JsonObject body = new JsonObject().put("name", user.name());
    if (!user.channels().isEmpty()) {
      body.put("admin_channels", new JsonArray(user.channels()));
    }
    body.put("email", user.email() == null ? "" : user.email()).put("disabled", user.disabled());
    if (!user.roles().isEmpty()) {
      body.put("admin_roles", new JsonArray(user.roles()));
    }
    body.put("all_channels", new JsonArray(StandInLogin.allChannels(sg, ctx.pathParam("db"), user)));
    if (!user.roles().isEmpty()) {
      body.put("roles", new JsonArray(user.roles()));
    }
    ctx.response().putHeader("content-type", "application/json").end(body.encode());
  }

  private static void putUser(SyncGatewayStandIn sg, io.vertx.core.http.HttpClient store, RoutingContext ctx) {
    String name = ctx.pathParam("name");
    JsonObject body = jsonBody(ctx);
    if (ctx.response().ended()) {
      return;
    }
    if (body == null || (body.getString("name") != null && !body.getString("name").equals(name))) {
      error(ctx, 400, "Bad Request", "name in body must match the URL");
      return;
    }
    String invalid = invalidName(name);
    if (invalid != null) {
      error(ctx, 400, "Bad Request", "Invalid name: " + invalid);
      return;
    }
    var users = sg.users.get(ctx.pathParam("db"));
    User existing = users.get(name);
    // SG keeps what an update leaves out; only a new user must come with a password.
    String password = body.getString("password", existing == null ? null : existing.password());
    if (password == null || password.isEmpty()) {
      error(ctx, 400, "Bad Request", "Empty passwords are not allowed");
      return;
    }
    User user = new User(name, password,
        body.getBoolean("disabled", existing != null && existing.disabled()),
        body.containsKey("admin_roles") ? strings(body.getJsonArray("admin_roles")) : existing == null ? List.of() : existing.roles(),
        body.containsKey("admin_channels") ? strings(body.getJsonArray("admin_channels"))
            : existing == null ? List.of() : existing.channels(),
        body.containsKey("email") ? body.getString("email") : existing == null ? null : existing.email());
    users.put(name, user);
    int status = existing == null ? 201 : 200;
    // SG's principal is a document with a sequence: the user's own feed shows it (StandInUserRows).
    StandInUserRows.record(store, sg, ctx.pathParam("db"), name)
        .onComplete(done -> ctx.response().setStatusCode(status).end());
  }

  /** The admin's feed: every document, no {@code _user/} rows, {@code last_seq} a string as SG's. */
  private static void adminChanges(SyncGatewayStandIn sg, io.vertx.core.http.HttpClient store, RoutingContext ctx) {
    String query = ctx.request().query();
    store.request(new io.vertx.core.http.RequestOptions()
            .setHost(sg.documentStore.getHost()).setPort(sg.documentStore.getPort())
            .setURI("/" + ctx.pathParam("db") + "/_changes" + (query == null ? "" : "?" + query)))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() != 200) {
            ctx.response().setStatusCode(response.statusCode()).putHeader("content-type", "application/json").end(body);
            return null;
          }
          JsonObject changes = StandInUserRows.results(body.toJsonObject(), null);
          changes.put("last_seq", String.valueOf(changes.getValue("last_seq")));
          ctx.response().putHeader("cache-control", StandInDocuments.FEED_CACHE_CONTROL)
              .putHeader("content-type", "application/json").end(changes.encode());
          return null;
        }))
        .onFailure(ctx::fail);
  }

  private static void putRole(SyncGatewayStandIn sg, RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (ctx.response().ended()) {
      return;
    }
    var roles = sg.roles.get(ctx.pathParam("db"));
    List<String> existing = roles.get(ctx.pathParam("name"));
    roles.put(ctx.pathParam("name"), body != null && body.containsKey("admin_channels")
        ? strings(body.getJsonArray("admin_channels")) : existing == null ? List.of() : existing);
    ctx.response().setStatusCode(existing == null ? 201 : 200).end();
  }

  private static void createSession(SyncGatewayStandIn sg, RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (ctx.response().ended()) {
      return;
    }
    String db = ctx.pathParam("db");
    String name = body == null ? null : body.getString("name");
    long ttl = body == null ? 86400 : body.getLong("ttl", 86400L);
    if (name == null || name.equals("GUEST")) {
      error(ctx, 400, "Bad Request", "Illegal user name");
      return;
    }
    if (ttl < 1) {
      error(ctx, 400, "Bad Request", "Invalid TTL");
      return;
    }
    User user = sg.users.get(db).get(name);
    if (user == null) {
      error(ctx, 404, "not_found", "No such user \"" + name + "\"");
      return;
    }
    if (user.disabled()) {
      error(ctx, 400, "Bad Request", "User is disabled");
      return;
    }
    Duration life = Duration.ofSeconds(ttl);
    Session session = new Session(sg.newSessionId(), db, name, life, sg.now().plus(life));
    sg.sessions.put(session.id(), session);
    ctx.response().putHeader("content-type", "application/json").end(new JsonObject()
        .put("session_id", session.id())
        .put("expires", session.expires().toString())
        .put("cookie_name", SyncGatewayStandIn.COOKIE_NAME).encode());
  }

  /** SG's {@code GET /{db}/}, on either port. */
  static String databaseInfo(SyncGatewayStandIn sg, String db) {
    return new JsonObject().put("db_name", db).put("update_seq", 0).put("committed_update_seq", 0)
        .put("instance_start_time", sg.startTime).put("compact_running", false).put("purge_seq", 0)
        .put("disk_format_version", 0).put("state", "Online").encode();
  }

  /** SG 4.0's welcome document, on each port; the admin one says so. */
  static JsonObject root(boolean admin) {
    JsonObject root = new JsonObject();
    if (admin) {
      root.put("ADMIN", true);
    }
    return root.put("couchdb", "Welcome")
        .put("vendor", new JsonObject().put("name", "Couchbase Sync Gateway").put("version", "4.0"))
        .put("version", "Couchbase Sync Gateway/() CE").put("persistent_config", true);
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }

  /** The JSON object body; null (with a 400 sent) when it is not JSON, null (and nothing sent) when absent. */
  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      return ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, "Bad Request", "Bad JSON");
      return null;
    }
  }

  /** Sync Gateway's principal-name rule, as the product brief states it. */
  static String invalidName(String name) {
    if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 250) {
      return "length";
    }
    if (name.chars().anyMatch(c -> c == '/' || c == ':' || c == ',' || c == '`')) {
      return "contains one of / : , `";
    }
    if (name.chars().noneMatch(Character::isLetterOrDigit)) {
      return "no alphanumeric character";
    }
    if (name.equals("GUEST")) {
      return "reserved";
    }
    return null;
  }

  private static boolean authorized(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    String expected = "Basic " + Base64.getEncoder().encodeToString(
        (SyncGatewayStandIn.ADMIN_USER + ":" + SyncGatewayStandIn.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    return expected.equals(header);
  }

  private static Request toSpecRequest(RoutingContext ctx, String body) {
    var request = ctx.request();
    SimpleRequest.Builder builder = new SimpleRequest.Builder(request.method().name(), request.path());
    request.headers().forEach(h -> builder.withHeader(h.getKey(), h.getValue()));
    for (Map.Entry<String, String> param : request.params()) {
      builder.withQueryParam(param.getKey(), param.getValue());
    }
    if (body != null && !body.isEmpty()) {
      builder.withBody(body);
    }
    return builder.build();
  }

  /** {@code GET /{db}/}, which Syncgate sends on its own schedule to check that SG serves it. */
  static boolean isDatabaseCheck(RoutingContext ctx) {
    return ctx.request().method().name().equals("GET") && ctx.request().path().matches("/[^/]+/");
  }

  private static String firstSegment(String path) {
    int end = path.indexOf('/', 1);
    return end < 0 ? path.substring(1) : path.substring(1, end);
  }

  static void error(RoutingContext ctx, int status, String error, String reason) {
    // A paused request never ends, and the connection would serve no further request.
    ctx.request().resume();
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", error).put("reason", reason).encode());
  }
}
