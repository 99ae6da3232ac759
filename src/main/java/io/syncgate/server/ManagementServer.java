package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.syncgate.config.Listener;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Health, readiness and metrics on their own listener (loopback by default), apart from client traffic.
 * Live means the process serves: every event loop that serves clients runs ({@link EventLoopWatch}).
 * Ready means the identity provider's keys are loaded and Sync Gateway answers Syncgate's admin
 * credentials for every database, so sign-ins can succeed, and the instance is not stopping. A
 * readiness probe that finds no keys asks for them again, so the instance becomes ready by itself
 * once the provider is back; Sync Gateway is checked on a schedule of its own ({@link BackendReadiness}).
 */
final class ManagementServer {

  private ManagementServer() {}

  static Future<HttpServer> start(Vertx vertx, Listener listener, TokenVerifier verifier, BackendReadiness backend,
      BooleanSupplier stopping, GatewayMetrics metrics, Supplier<String> unhealthy) {
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
        return;
      }
      boolean keys = verifier.ready();
      String keysProblem = null;
      if (!keys) {
        verifier.loadKeys();
        keysProblem = verifier.notReadyReason() != null ? verifier.notReadyReason()
            : "the identity provider's signing keys are not loaded yet";
      }
      BackendReadiness.State sg = backend.state();
      boolean ready = keys && sg.ready();
      JsonObject body = new JsonObject()
          .put("status", ready ? "ready" : "not_ready")
          .put("identity_provider", part(keys, keysProblem))
          .put("sync_gateway", part(sg.ready(), sg.problem()).put("failed_checks", sg.failedChecks()));
      if (!ready) {
        body.put("reason", Stream.of(keysProblem, sg.ready() ? null : sg.problem()).filter(Objects::nonNull)
            .collect(Collectors.joining("; ")));
      }
      json(ctx, ready ? 200 : 503, body);
    });
    router.route().handler(ctx -> {
      GatewayFailure failure = GatewayFailure.notFound("no such endpoint");
      failure.headers().forEach(ctx.response()::putHeader);
      ctx.response().setStatusCode(failure.status()).end(failure.body());
    });
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(listener.port(), listener.host());
  }

  /** One part of readiness: whether it is ready and, when something is wrong (maybe not yet enough to be unready), what. */
  private static JsonObject part(boolean ready, String problem) {
    JsonObject part = new JsonObject().put("ready", ready);
    return problem == null ? part : part.put("problem", problem);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
