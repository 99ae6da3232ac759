package io.syncgate.server;

import io.syncgate.proxy.Forwarder;
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

  /**
   * A path as a log line may carry it, in text or JSON: a byte below 0x20, 0x7f and anything
   * beyond ASCII become {@code \xHH} (the request line is read byte for byte, one character a
   * byte), so a request cannot colour a terminal, reverse a line with U+202E or forge a line.
   */
  static String printable(String path) {
    int i = 0;
    while (i < path.length() && isPlain(path.charAt(i))) {
      i++;
    }
    if (i == path.length()) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length() + 16).append(path, 0, i);
    for (; i < path.length(); i++) {
      char c = path.charAt(i);
      if (isPlain(c)) {
        out.append(c);
      } else if (c <= 0xFF) {
        out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      } else {
        out.append("\\u").append(String.format("%04X", (int) c));
      }
    }
    return out.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private static boolean isPlain(char c) {
    return c >= 0x20 && c < 0x7f && c != '\\';
  }

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
    String path = printable(request.path());
    String address = ctx.get(GatewayRouter.CLIENT);
    String client = address == null ? "-" : address;
    // A WebSocket that switched protocols is logged when it closes, with 101 and how long it lived.
    java.util.concurrent.atomic.AtomicBoolean logged = new java.util.concurrent.atomic.AtomicBoolean();
    ctx.put(Forwarder.UPGRADE_ENDED, (java.util.function.LongConsumer) bytes -> {
      if (logged.compareAndSet(false, true)) {
        log.info("{} {} {} {} 101 {}B {}ms", requestId, client, method, path, bytes,
            (System.nanoTime() - start) / 1_000_000);
      }
    });
    ctx.addEndHandler(ended -> {
      if (logged.get()) {
        return;
      }
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
