package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place errors become responses: a {@link GatewayFailure} becomes its status and
 * {@code {"error","reason"}} JSON (plus the RFC 6750 challenge for 401s); anything else is a bug,
 * logged with its stack and answered 500 without details. If the response has already started
 * there is no status left to send, so the connection is closed instead.
 */
final class FailureResponder implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(FailureResponder.class);

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    GatewayFailure failure = classify(ctx);
    if (response.headWritten() || response.ended()) {
      if (!response.ended()) {
        response.reset();
      }
      return;
    }
    boolean unreadBody = declaresBody(ctx.request()) && !ctx.request().isEnded();
    if (unreadBody) {
      // Reading a refused upload to its end could take long: close the connection instead.
      response.putHeader("connection", "close");
      response.endHandler(v -> ctx.request().connection().close());
    } else {
      // Let the paused request end, so the connection can serve the next one.
      ctx.request().resume();
    }
    response.setStatusCode(failure.status());
    failure.headers().forEach(response::putHeader);
    response.end(failure.body());
  }

  private static boolean declaresBody(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    return request.getHeader("transfer-encoding") != null || length != null && !length.trim().equals("0");
  }

  private static GatewayFailure classify(RoutingContext ctx) {
    Throwable cause = ctx.failure();
    if (cause instanceof GatewayFailure failure) {
      return failure;
    }
    if (cause instanceof io.vertx.ext.web.handler.HttpException http && http.getStatusCode() == 400) {
      // Vert.x Web's own refusal, e.g. a query string that is not valid percent-encoding.
      return GatewayFailure.badRequest("the request cannot be read");
    }
    if (cause == null) {
      return switch (ctx.statusCode()) {
        case 404 -> GatewayFailure.notFound("no such endpoint");
        case 405 -> GatewayFailure.notFound("no such endpoint for this method");
        case 400 -> GatewayFailure.badRequest("the request cannot be read");
        default -> internal(ctx, null);
      };
    }
    return internal(ctx, cause);
  }

  private static GatewayFailure internal(RoutingContext ctx, Throwable cause) {
    log.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), cause);
    return GatewayFailure.internal("unexpected error");
  }
}
