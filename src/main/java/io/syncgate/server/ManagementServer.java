package io.syncgate.server;

import io.syncgate.identity.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.syncgate.config.Listener;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Health, readiness and metrics on their own listener (loopback by default), apart from client traffic.
 * Live means the process serves: every event loop that serves clients runs ({@link EventLoopWatch}); ready means the identity provider's keys are loaded, so sign-ins
 * can succeed, and the instance is not stopping. A readiness probe that finds no keys asks for them again, so the instance becomes
 * ready by itself once the provider is back.
 */
final class ManagementServer {

  private ManagementServer() {}

  static Future<HttpServer> start(Vertx vertx, Listener listener, TokenVerifier verifier, BooleanSupplier stopping,
      GatewayMetrics metrics, Supplier<String> unhealthy) {
    Router router = Router.router(vertx);
    // Prometheus's text format; a scrape walks every meter, so it runs off the event loop.
    router.get("/metrics").handler(ctx -> vertx.executeBlocking(metrics::scrape)
        .onSuccess(text -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(text))
        .onFailure(ctx::fail));
    router.get("/healthz").handler(ctx -> {
      String reason = unhealthy.get();
      if (reason == null) {
        json(ctx, 200, new JsonObject().put("status", "ok"));
      } else {
        json(ctx, 503, new JsonObject().put("status", "unhealthy").put("reason", reason));
      }
    });
    router.get("/readyz").handler(ctx -> {
      if (stopping.getAsBoolean()) {
        json(ctx, 503, new JsonObject().put("status", "stopping")
            .put("reason", "the instance is shutting down: send new clients elsewhere"));
      } else if (verifier.ready()) {
        json(ctx, 200, new JsonObject().put("status", "ready"));
      } else {
        verifier.loadKeys();
        String reason = verifier.notReadyReason();
        json(ctx, 503, new JsonObject().put("status", "not_ready")
            .put("reason", reason != null ? reason : "the identity provider's signing keys are not loaded yet"));
      }
    });
    router.route().handler(ctx -> json(ctx, 404, new JsonObject().put("error", "not_found")
        .put("reason", "no such endpoint")));
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(listener.port(), listener.host());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
