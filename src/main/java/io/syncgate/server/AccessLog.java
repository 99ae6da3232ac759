package io.syncgate.server;

import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per public request once its response is done (logger {@code syncgate.access}): method,
 * path without the query (queries may carry tokens), status, bytes and milliseconds. Connections
 * that close before a response are logged too, as {@code closed}.
 */
final class AccessLog {

  private static final Logger log = LoggerFactory.getLogger("syncgate.access");

  private AccessLog() {}

  static void record(RoutingContext ctx) {
    if (!log.isInfoEnabled()) {
      return;
    }
    long start = System.nanoTime();
    var request = ctx.request();
    String method = request.method().name();
    String path = request.path();
    String client = request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
    ctx.addEndHandler(ended -> {
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (ended.succeeded()) {
        log.info("{} {} {} {} {}B {}ms", client, method, path, ctx.response().getStatusCode(),
            ctx.response().bytesWritten(), millis);
      } else {
        log.info("{} {} {} closed {}ms", client, method, path, millis);
      }
    });
  }
}
