package io.syncgate.testing;

import com.atlassian.oai.validator.model.SimpleRequest;
import io.syncgate.testing.SyncGatewayStandIn.Session;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
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
 * The stand-in's public API (port 4984): only the {@code SyncGatewaySession} cookie
 * authenticates (no Bearer, as when SG's own OIDC is not configured); anything else is 401 with
 * SG's Basic challenge. Once 10% of a session's TTL has passed, SG renews it and re-sends the
 * cookie with {@code Path=/{db}}. Documents live in PouchDB Server; reads come back shaped as
 * SG 4 shapes them ({@link StandInDocuments}). Requests on paths the public spec does not have
 * are recorded as violations and answered 404.
 */
final class StandInPublicApi {

  private static final DateTimeFormatter COOKIE_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
  static final String SESSION = "stand-in.session";

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
        });

    Router router = Router.router(sg.vertx);
    router.route().handler(ctx -> {
      ctx.request().pause();
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
      String db = database(ctx.request().path());
      if (!sg.databases.contains(db)) {
        StandInAdminApi.error(ctx, 404, "not_found", "no such database \"" + db + "\"");
        return;
      }
      Session session = authenticate(sg, ctx, db);
      if (session == null) {
        ctx.response().putHeader("www-authenticate", "Basic realm=\"Couchbase Sync Gateway\"");
        StandInAdminApi.error(ctx, 401, "Unauthorized", "Login required");
        return;
      }
      ctx.put(SESSION, renew(sg, ctx, session));
      ctx.next();
    });
    router.get("/:db/_session").handler(ctx -> {
      ctx.request().resume();
      Session session = ctx.get(SESSION);
      ctx.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("ok", true)
          .put("authentication_handlers", List.of("default", "cookie"))
          .put("userCtx", new JsonObject().put("name", session.user()).put("channels", new JsonObject()))
          .encode());
    });
    router.delete("/:db/_session").handler(ctx -> {
      ctx.request().resume();
      Session session = ctx.get(SESSION);
      sg.sessions.remove(session.id());
      ctx.response().putHeader("set-cookie", SyncGatewayStandIn.COOKIE_NAME + "=; Path=/" + session.db()
          + "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly").end("{}");
    });
    // BLIP is out of the stand-in's scope: the far end of a relay, see StandInWebSocket. The
    // handshake is SG's: it must name a BLIP version SG speaks, and the client's first one is chosen.
    router.get("/:db/_blipsync").handler(ctx -> {
      boolean speaksBlip = ctx.request().headers().getAll("sec-websocket-protocol").stream()
          .flatMap(field -> java.util.Arrays.stream(field.split(","))).map(String::trim)
          .anyMatch(BLIP_VERSIONS::contains);
      if (!speaksBlip) {
        ctx.request().resume();
        StandInAdminApi.error(ctx, 400, "Bad Request", "no supported BLIP subprotocol in Sec-WebSocket-Protocol");
        return;
      }
      ctx.request().toWebSocket()
          .onSuccess(socket -> StandInWebSocket.serve(sg.vertx, socket))
          .onFailure(ctx::fail);
    });
    router.route().handler(sg.channels::handle);
    StandInDocuments documents = new StandInDocuments(sg, client);
    router.post("/:keyspace/_bulk_get").handler(ctx -> documents.bulkGet(ctx, storeDatabase(ctx)));
    router.route("/:keyspace/_changes").handler(ctx -> {
      if ("websocket".equals(ctx.request().getParam("feed")) && ctx.request().canUpgradeToWebSocket()) {
        // SG's WebSocket feed names no subprotocol; what flows on it is the relay's business.
        ctx.request().toWebSocket().onSuccess(socket -> StandInWebSocket.serve(sg.vertx, socket)).onFailure(ctx::fail);
        return;
      }
      documents.changes(ctx, storeUri(ctx.request().path()));
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

  /** SG's handshake: the BLIP versions it speaks, for its WebSocket server to choose among. */
  static final List<String> BLIP_VERSIONS = List.of("BLIP_3+CBMobile_4", "BLIP_3+CBMobile_3", "BLIP_3+CBMobile_2");

  static io.vertx.core.http.HttpServerOptions options() {
    return new io.vertx.core.http.HttpServerOptions().setWebSocketSubProtocols(BLIP_VERSIONS);
  }

  /** SG's order on its public port: on {@code _blipsync}, a {@code SyncGatewaySession_} entry; then the cookie. */
  private static Session authenticate(SyncGatewayStandIn sg, RoutingContext ctx, String db) {
    String id = !ctx.request().path().endsWith("/_blipsync") ? null : ctx.request().headers().getAll("sec-websocket-protocol").stream()
        .flatMap(field -> java.util.Arrays.stream(field.split(","))).map(String::trim)
        .filter(entry -> entry.startsWith("SyncGatewaySession_")).map(entry -> entry.substring(19))
        .findFirst().orElse(null);
    Cookie cookie = ctx.request().getCookie(SyncGatewayStandIn.COOKIE_NAME);
    if (id == null && cookie == null) {
      return null;
    }
    Session session = sg.sessions.get(id != null ? id : cookie.getValue());
    if (session == null || !session.db().equals(db) || !sg.now().isBefore(session.expires())
        || !sg.users.get(db).containsKey(session.user())) {
      return null;
    }
    return session;
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
        + "; Path=/" + renewed.db() + "; Expires=" + COOKIE_DATE.format(renewed.expires()) + "; HttpOnly");
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
