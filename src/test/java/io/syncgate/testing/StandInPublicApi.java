package io.syncgate.testing;

import com.atlassian.oai.validator.model.SimpleRequest;
import io.syncgate.testing.SyncGatewayStandIn.Session;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The stand-in's public API (port 4984), held to SG 4.0.0's recorded answers
 * ({@link SyncGateway4ContractTest}): the {@code SyncGatewaySession} cookie or Basic
 * authenticates (no Bearer, as when SG's own OIDC is not configured), refusals as
 * {@link StandInLogin} states them. Once 10% of a session's TTL has passed, SG renews it and
 * re-sends the cookie with {@code Path=/{db}}. Documents live in PouchDB Server; reads and writes
 * come back shaped as SG 4 shapes them ({@link StandInDocuments}, {@link StandInWrites}).
 * Requests on paths the public spec does not have are recorded as violations and answered 404.
 */
final class StandInPublicApi {

  private static final DateTimeFormatter COOKIE_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
  static final String SESSION = "stand-in.session";
  static final String USER = "stand-in.user";

  private StandInPublicApi() {}

  static Router router(SyncGatewayStandIn sg) {
    // Like SG's own connections to its bucket, not the bottleneck: feeds may hold many at once.
    // An attachment's content type, read alone, comes as a header: as long as its uploader made it.
    var client = sg.vertx.createHttpClient(SyncGatewayStandIn.storeClientOptions().setMaxHeaderSize(4 * 1024 * 1024),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(512));
    HttpProxy store = HttpProxy.reverseProxy(client)
        .origin(sg.documentStore.getPort(), sg.documentStore.getHost())
        .addInterceptor(new ProxyInterceptor() {
          @Override
          public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            // PouchDB Server runs as admin party: it must see no credentials at all.
            context.request().headers().remove("cookie").remove("authorization");
            context.request().setURI(storeUri(context.request().getURI()));
            return context.sendRequest();
          }

          @Override
          public Future<Void> handleProxyResponse(ProxyContext context) {
            context.response().headers().set("server", SyncGatewayStandIn.SERVER);
            String[] segments = context.request().getURI().split("\\?", 2)[0].split("/", -1);
            if (context.request().getMethod() == HttpMethod.GET && context.response().getStatusCode() == 404
                && segments.length == 4 && !segments[2].startsWith("_")) {
              return missingAttachment(client, sg, context, segments);
            }
            if (context.request().getMethod() == HttpMethod.GET && context.response().getStatusCode() == 200
                && context.request().getURI().split("\\?", 2)[0].split("/", -1).length == 4) {
              // An attachment: SG's Etag is its digest, and it serves ranges (recorded case 46).
              String etag = context.response().headers().get("etag");
              String digest = etag == null ? null : sg.digests.forEtag(etag.replace("\"", ""));
              if (digest != null) {
                context.response().headers().set("etag", "\"" + digest + "\"");
              }
              context.response().headers().set("accept-ranges", "bytes");
            }
            return context.sendResponse();
          }
        })
        .addInterceptor(new StandInWrites(sg));

    Router router = Router.router(sg.vertx);
    router.route().handler(ctx -> {
      ctx.request().pause();
      ctx.response().putHeader("server", SyncGatewayStandIn.SERVER);
      sg.publicRequests.add(SyncGatewayStandIn.seen(ctx.request(), null));
      if (ctx.request().getHeader("origin") != null) {
        // As an SG whose cors.origin is ["*"], the widest it can be: Syncgate must never pass this on.
        ctx.response().putHeader("access-control-allow-origin", "*").putHeader("access-control-allow-credentials", "true");
      }
      boolean preflight = ctx.request().method() == HttpMethod.OPTIONS;
      // SG's router answers OPTIONS on every route it has, before authentication (CORS preflights).
      List<String> violations = SyncGatewaySpec.publicViolations(new SimpleRequest.Builder(
              preflight ? "GET" : ctx.request().method().name(), ctx.request().path()).build())
          .stream().filter(v -> v.startsWith("validation.request.path.missing")
              || v.startsWith("validation.request.operation.notAllowed")).toList();
      if (!violations.isEmpty()) {
        sg.violations.add("public " + ctx.request().method() + " " + ctx.request().uri() + ": " + violations);
        StandInAdminApi.error(ctx, 404, "not_found", "unknown URL");
        return;
      }
      if (preflight) {
        ctx.request().resume();
        ctx.response().setStatusCode(204).putHeader("allow", "GET, HEAD, POST, PUT, DELETE").end();
        return;
      }
      String path = ctx.request().path();
      if (path.equals("/") && ctx.request().method() == HttpMethod.GET) {
        ctx.request().resume();
        ctx.response().putHeader("content-type", "application/json").end(StandInAdminApi.root(false).encode());
        return;
      }
      String db = database(path);
      if (!sg.databases.contains(db)) {
        // SG names no database to a stranger: an unknown one is a failed login, without a challenge.
        ctx.response().putHeader("content-type", "application/json");
        StandInAdminApi.error(ctx, 401, "Unauthorized",
            StandInLogin.presentsCredentials(ctx.request()) ? "Invalid login" : "Login required");
        return;
      }
      if (path.equals("/" + db) && ctx.request().method() == HttpMethod.GET) {
        ctx.request().resume();
        ctx.response().headers().remove("server");
        ctx.response().setStatusCode(301).putHeader("location", "/" + db + "/")
            .putHeader("content-type", "text/html; charset=utf-8")
            .end("<a href=\"/" + db + "/\">Moved Permanently</a>.\n\n");
        return;
      }
      StandInLogin.Outcome login = StandInLogin.of(sg, ctx.request(), db);
      boolean sessionEndpoint = path.equals("/" + db + "/_session");
      if (!login.known()) {
        // GET _session answers nobody's session info instead; POST _session checks its own credentials.
        if (sessionEndpoint && (ctx.request().method() == HttpMethod.POST
            || ctx.request().method() == HttpMethod.GET && !login.refusal().equals("Invalid login"))) {
          ctx.next();
          return;
        }
        StandInLogin.refuse(ctx, login);
        return;
      }
      ctx.put(USER, login.user());
      if (login.session() != null) {
        ctx.put(SESSION, renew(sg, ctx, login.session()));
      }
      ctx.next();
    });
    router.get("/:db/_session").handler(ctx -> {
      ctx.request().resume();
      ctx.response().putHeader("content-type", "application/json")
          .end(StandInLogin.sessionInfo(sg, ctx.pathParam("db"), ctx.get(USER)).encode());
    });
    router.post("/:db/_session").handler(ctx -> signIn(sg, ctx));
    router.delete("/:db/_session").handler(ctx -> {
      ctx.request().resume();
      Session session = ctx.get(SESSION);
      if (session != null) {
        sg.sessions.remove(session.id());
        sg.endedSessions.add(session.id());
      }
      // SG's sign-out cookie: the value blanked, expiring now, and no Path.
      ctx.response().headers().remove("set-cookie");
      ctx.response().putHeader("set-cookie", SyncGatewayStandIn.COOKIE_NAME + "=; Expires="
          + COOKIE_DATE.format(sg.now())).end();
    });
    // BLIP is out of the stand-in's scope: the far end of a relay, see StandInWebSocket. The
    // handshake is SG's: it must name a BLIP version SG speaks, and the client's first one is chosen.
    router.get("/:db/_blipsync").handler(ctx -> {
      boolean speaksBlip = ctx.request().headers().getAll("sec-websocket-protocol").stream()
          .flatMap(field -> java.util.Arrays.stream(field.split(","))).map(String::trim)
          .anyMatch(BLIP_VERSIONS::contains);
      if (!speaksBlip || !ctx.request().canUpgradeToWebSocket()) {
        // SG 4.0's answer, a plain request and a foreign subprotocol alike: 500, as text.
        ctx.request().resume();
        ctx.response().setStatusCode(500).putHeader("content-type", "text/plain; charset=utf-8")
            .putHeader("x-content-type-options", "nosniff").putHeader("x-correlation-id", sg.newSessionId().substring(0, 8))
            .end("I only speak " + String.join(",", BLIP_VERSIONS) + " protocols\n");
        return;
      }
      ctx.response().putHeader("x-correlation-id", sg.newSessionId().substring(0, 8));
      ctx.request().toWebSocket()
          .onSuccess(socket -> StandInWebSocket.serve(sg.vertx, socket))
          .onFailure(ctx::fail);
    });
    // Admin-only endpoints are unknown on the public port.
    router.route("/:db/_user/*").handler(ctx -> StandInAdminApi.error(ctx, 404, "not_found", "unknown URL"));
    router.route("/:db/_role/*").handler(ctx -> StandInAdminApi.error(ctx, 404, "not_found", "unknown URL"));
    router.route().handler(sg.channels::handle);
    StandInDocuments documents = new StandInDocuments(sg, client);
    router.get("/:keyspace/").handler(ctx -> documents.databaseInfo(ctx, storeDatabase(ctx)));
    router.post("/:keyspace/_bulk_get").handler(ctx -> documents.bulkGet(ctx, storeDatabase(ctx)));
    router.post("/:keyspace/_revs_diff").handler(ctx -> StandInRevsDiff.handle(documents::send, ctx, storeDatabase(ctx)));
    router.route("/:keyspace/_changes").handler(ctx -> {
      if ("websocket".equals(ctx.request().getParam("feed")) && ctx.request().canUpgradeToWebSocket()) {
        // SG's WebSocket feed names no subprotocol; what flows on it is the relay's business.
        ctx.request().toWebSocket().onSuccess(socket -> StandInWebSocket.serve(sg.vertx, socket)).onFailure(ctx::fail);
        return;
      }
      documents.changes(ctx, storeUri(ctx.request().path()));
    });
    router.head("/:keyspace/:doc").handler(ctx -> {
      if (ctx.pathParam("doc").startsWith("_")) {
        ctx.next();
        return;
      }
      documents.headDocument(ctx, storeUri(ctx.request().path()));
    });
    router.route("/:keyspace/_all_docs").handler(ctx -> documents.allDocs(ctx, storeUri(ctx.request().uri())));
    router.get("/:keyspace/_design/:doc").handler(ctx -> documents.getDocument(ctx, storeDatabase(ctx),
        storeUri(ctx.request().path())));
    router.get("/:keyspace/:doc").handler(ctx -> {
      if (ctx.pathParam("doc").startsWith("_")) {
        ctx.next();
        return;
      }
      documents.getDocument(ctx, storeDatabase(ctx), storeUri(ctx.request().path()));
    });
    router.route().handler(ctx -> store.handle(ctx.request()));
    return router;
  }

  /**
   * SG's 404 for an attachment GET (recorded case 47): JSON, "missing attachment {name}" when the
   * document is there, "missing" when it is not.
   */
  private static Future<Void> missingAttachment(io.vertx.core.http.HttpClient client, SyncGatewayStandIn sg,
      ProxyContext context, String[] segments) {
    String name = java.net.URLDecoder.decode(segments[3], java.nio.charset.StandardCharsets.UTF_8);
    return client.request(new io.vertx.core.http.RequestOptions().setMethod(HttpMethod.HEAD)
            .setHost(sg.documentStore.getHost()).setPort(sg.documentStore.getPort())
            .setURI("/" + segments[1] + "/" + segments[2]))
        .compose(request -> request.send()).compose(response -> response.end().map(v -> response.statusCode()))
        .otherwise(500)
        .compose(status -> {
          ProxyResponse response = context.response();
          response.headers().remove("etag").remove("content-length").set("content-type", "application/json");
          response.setBody(io.vertx.httpproxy.Body.body(io.vertx.core.buffer.Buffer.buffer(new JsonObject()
              .put("error", "not_found").put("reason", status == 200 ? "missing attachment " + name : "missing")
              .encode()), io.vertx.httpproxy.MediaType.parse("application/json")));
          return context.sendResponse();
        });
  }

  /** SG's handshake: the BLIP versions it speaks, for its WebSocket server to choose among. */
  static final List<String> BLIP_VERSIONS = List.of("BLIP_3+CBMobile_4", "BLIP_3+CBMobile_3", "BLIP_3+CBMobile_2");

  static io.vertx.core.http.HttpServerOptions options() {
    // SG (Go's net/http) sends 100 Continue to every Expect: 100-continue, before authentication.
    return new io.vertx.core.http.HttpServerOptions().setWebSocketSubProtocols(BLIP_VERSIONS)
        .setHandle100ContinueAutomatically(true);
  }

  /**
   * SG's public {@code POST {db}/_session}: Basic credentials or a JSON {@code name}/{@code password}
   * open a session of SG's default 24 hours, sent as a cookie scoped to the database.
   */
  private static void signIn(SyncGatewayStandIn sg, RoutingContext ctx) {
    String db = ctx.pathParam("db");
    String known = ctx.get(USER);
    ctx.request().resume();
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      StandInLogin.Outcome login;
      if (known != null) {
        login = new StandInLogin.Outcome(known, null, null, false);
      } else {
        JsonObject body;
        try {
          body = bytes.length() == 0 ? null : bytes.toJsonObject();
        } catch (RuntimeException e) {
          StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
          return;
        }
        login = body == null || body.getValue("name") == null
            ? StandInLogin.of(sg, ctx.request(), db)
            : StandInLogin.checkPassword(sg, db, String.valueOf(body.getValue("name")), body.getString("password", ""));
        if (!login.known()) {
          // A wrong JSON password is refused without SG's challenge.
          StandInLogin.refuse(ctx, body != null && body.getValue("name") != null
              ? new StandInLogin.Outcome(null, null, login.refusal(), false) : login);
          return;
        }
      }
      Duration ttl = Duration.ofDays(1);
      Session session = new Session(sg.newSessionId(), db, login.user(), ttl, sg.now().plus(ttl));
      sg.sessions.put(session.id(), session);
      ctx.response().putHeader("set-cookie", SyncGatewayStandIn.COOKIE_NAME + "=" + session.id() + "; Path=/" + db
          + "; Expires=" + COOKIE_DATE.format(session.expires()));
      ctx.response().putHeader("content-type", "application/json")
          .end(StandInLogin.sessionInfo(sg, db, login.user()).encode());
    });
  }

  /** SG's sliding expiry: past 10% of its TTL a session is extended and its cookie re-sent. */
  private static Session renew(SyncGatewayStandIn sg, RoutingContext ctx, Session session) {
    Instant now = sg.now();
    Instant renewedAt = session.expires().minus(session.ttl());
    if (Duration.between(renewedAt, now).compareTo(session.ttl().dividedBy(10)) <= 0) {
      return session;
    }
    Session renewed = new Session(session.id(), session.db(), session.user(), session.ttl(), now.plus(session.ttl()));
    sg.sessions.put(renewed.id(), renewed);
    ctx.response().headers().add("set-cookie", SyncGatewayStandIn.COOKIE_NAME + "=" + renewed.id()
        + "; Path=/" + renewed.db() + "; Expires=" + COOKIE_DATE.format(renewed.expires()));
    return renewed;
  }

  /** The database of a path; 3.x keyspaces ({@code db.scope.collection}) name theirs first. */
  static String database(String path) {
    int end = path.indexOf('/', 1);
    String keyspace = end < 0 ? path.substring(1) : path.substring(1, end);
    int dot = keyspace.indexOf('.');
    return dot < 0 ? keyspace : keyspace.substring(0, dot);
  }

  private static String storeDatabase(RoutingContext ctx) {
    return storeUri("/" + ctx.pathParam("keyspace")).substring(1);
  }

  /** The default collection is where PouchDB Server keeps the documents. */
  private static String storeUri(String uri) {
    return uri.replaceFirst("^/([a-z][a-z0-9_$()+-]*)(\\._default){1,2}(?=[/?]|$)", "/$1");
  }
}
