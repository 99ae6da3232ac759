package io.syncgate.server;

import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per public request once its response is done (logger {@code syncgate.access}): request
 * id, method, path without the query (queries may carry tokens), status, bytes and milliseconds.
 * Connections that close before a response are logged too, as {@code closed}. The request id is the
 * client's {@code X-Request-ID} when it is well-formed, a new one otherwise; Sync Gateway receives
 * it and the client gets it back, so one id follows a request through every log.
 */
final class AccessLog {

  private static final Logger log = LoggerFactory.getLogger("syncgate.access");
  static final String REQUEST_ID = "x-request-id";
  /** What a forwarded id may look like: nothing a log line or a header could be made to carry. */
  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private AccessLog() {}

  static void record(RoutingContext ctx) {
    String id = ctx.request().getHeader(REQUEST_ID);
    if (id == null || !WELL_FORMED.matcher(id).matches()) {
      id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
      ctx.request().headers().set(REQUEST_ID, id);
    }
    ctx.response().putHeader(REQUEST_ID, id);
    if (!log.isInfoEnabled()) {
      return;
    }
    String requestId = id;
    long start = System.nanoTime();
    var request = ctx.request();
    String method = request.method().name();
    String path = request.path();
    String client = request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
    ctx.addEndHandler(ended -> {
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (ended.succeeded()) {
        log.info("{} {} {} {} {} {}B {}ms", requestId, client, method, path, ctx.response().getStatusCode(),
            ctx.response().bytesWritten(), millis);
      } else {
        log.info("{} {} {} {} closed {}ms", requestId, client, method, path, millis);
      }
    });
  }
}
