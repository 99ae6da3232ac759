package io.syncgate.server;

import io.syncgate.config.CorsPolicy;
import io.syncgate.config.SyncgateConfig;
import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CORS for a database, owned by Syncgate (the Fetch standard's CORS protocol): a preflight is
 * answered here and never forwarded; every answer on the database's paths, whoever writes it
 * (sign-in, an error, the backend), carries {@code Vary: Origin} and, for an allowed origin only,
 * the allow headers with credentials. The backend's own CORS headers are dropped on the way back
 * ({@code InboundHeaders}), so its settings never widen Syncgate's.
 *
 * <p>It also refuses cross-origin requests that change something, and WebSocket upgrades, from an
 * origin not allowed: a browser attaches cookies to those without asking anyone (with
 * {@code SameSite=None}), so without this a foreign page could write as the user.
 */
final class CrossOrigin implements Handler<RoutingContext> {

  private static final String METHODS = "GET, HEAD, POST, PUT, DELETE";
  private static final Set<String> ALLOWED_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE");
  /** What PouchDB and web apps send; a header not here fails the preflight. */
  private static final Set<String> ALLOWED_HEADERS = Set.of("accept", "accept-language", "authorization",
      "cache-control", "content-language", "content-type", "if-match", "if-none-match", "x-requested-with");
  /** What a page may read beyond the CORS-safelisted response headers. */
  private static final String EXPOSED = "ETag, Content-Length, WWW-Authenticate, Retry-After, X-Request-Id";
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  /** Each served database's policy; a keyspace uses its database's. */
  private final Map<String, CorsPolicy> policies = new HashMap<>();
  /** For the server root, which PouchDB asks for an id and which holds no data: any database's origins. */
  private final CorsPolicy root;
  private final CorsPolicy none = CorsPolicy.none();
  private final String firstDatabase;
  /** Where Syncgate's own pages are, lower-cased ({@code listen.public_origins}); empty: judged by {@code Host}. */
  private final Set<String> publicOrigins;

  CrossOrigin(SyncgateConfig config) {
    this.firstDatabase = config.syncGateway().databases().get(0);
    this.publicOrigins = Set.copyOf(config.frontend().publicOrigins());
    config.syncGateway().databases().forEach(db -> policies.put(db, config.cors(db)));
    this.root = new CorsPolicy(policies.values().stream().flatMap(policy -> policy.origins().stream())
        .distinct().toList(), CorsPolicy.DEFAULT_MAX_AGE);
  }

  /** Set once the request has been judged: {@code {base}/{db}/} matches both of the routes this serves. */
  private static final String JUDGED = "syncgate.cors-judged";

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.get(JUDGED) != null) {
      ctx.next();
      return;
    }
    ctx.put(JUDGED, Boolean.TRUE);
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    String keyspace = ctx.pathParam("db");
    CorsPolicy policy = keyspace == null ? root
        // The seed's route signs in to its ?db= database, by default the first.
        : keyspace.equals("_signin") ? policy(ctx.queryParam("db").stream().findFirst().orElse(firstDatabase))
        : policy(keyspace);
    String origin = request.getHeader("origin");
    boolean allowed = policy.allows(origin);
    response.headers().add("vary", "Origin");
    if (request.method() == HttpMethod.OPTIONS && origin != null
        && request.getHeader("access-control-request-method") != null) {
      preflight(ctx, policy, origin, allowed);
      return;
    }
    if (allowed) {
      response.putHeader("access-control-allow-origin", origin)
          .putHeader("access-control-allow-credentials", "true")
          .putHeader("access-control-expose-headers", EXPOSED);
    } else if ((!SAFE.contains(request.method()) || request.canUpgradeToWebSocket()) && isCrossOrigin(request)) {
      throw GatewayFailure.forbidden("a cross-origin request from an origin not allowed for this database");
    }
    ctx.next();
  }

  private CorsPolicy policy(String keyspace) {
    int dot = keyspace.indexOf('.');
    return policies.getOrDefault(dot < 0 ? keyspace : keyspace.substring(0, dot), none);
  }

  private static void preflight(RoutingContext ctx, CorsPolicy policy, String origin, boolean allowed) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    response.headers().add("vary", "Access-Control-Request-Method").add("vary", "Access-Control-Request-Headers");
    String method = request.getHeader("access-control-request-method").trim();
    if (!allowed) {
      throw GatewayFailure.forbidden("origin not allowed for this database");
    }
    if (!ALLOWED_METHODS.contains(method)) {
      throw GatewayFailure.forbidden("method " + (method.matches("[A-Za-z]{1,16}") ? method : "") + " not allowed");
    }
    List<String> headers = new ArrayList<>();
    String requested = request.getHeader("access-control-request-headers");
    if (requested != null) {
      for (String name : requested.split(",")) {
        String header = name.trim().toLowerCase(Locale.ROOT);
        if (!header.isEmpty() && !ALLOWED_HEADERS.contains(header)) {
          throw GatewayFailure.forbidden("request header not allowed: use " + ALLOWED_HEADERS);
        }
        if (!header.isEmpty()) {
          headers.add(header);
        }
      }
    }
    // The preflight has no body to wait for; the request ends and the connection serves the next.
    request.resume();
    response.setStatusCode(204)
        .putHeader("access-control-allow-origin", origin)
        .putHeader("access-control-allow-credentials", "true")
        .putHeader("access-control-allow-methods", METHODS)
        .putHeader("access-control-max-age", Long.toString(policy.maxAge().toSeconds()));
    if (!headers.isEmpty()) {
      response.putHeader("access-control-allow-headers", String.join(", ", headers));
    }
    response.end();
  }

  /**
   * Whether a browser sent this request from another origin: its {@code Sec-Fetch-Site} says so;
   * a browser without it (older ones) is judged by its {@code Origin}, which must be exactly one of
   * {@code listen.public_origins} — scheme, host and port — or, where none are configured,
   * {@code http} or {@code https} with the request's own {@code Host} ({@code weird://host} is not
   * the same origin, whatever its host). Clients that are not browsers send neither.
   */
  private boolean isCrossOrigin(HttpServerRequest request) {
    String site = request.getHeader("sec-fetch-site");
    if (site != null) {
      return !site.equals("same-origin") && !site.equals("none");
    }
    String origin = request.getHeader("origin");
    if (origin == null) {
      return false;
    }
    String lower = origin.toLowerCase(Locale.ROOT);
    if (!publicOrigins.isEmpty()) {
      return !publicOrigins.contains(lower);
    }
    String host = request.getHeader("host");
    return host == null || !(lower.equals("https://" + host.toLowerCase(Locale.ROOT))
        || lower.equals("http://" + host.toLowerCase(Locale.ROOT)));
  }

}
