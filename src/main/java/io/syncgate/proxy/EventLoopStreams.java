package io.syncgate.proxy;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The feeds and WebSockets one event loop is relaying, each with a way to end it cleanly: a feed
 * at a line boundary (a long-poll with an empty answer a client resumes from), a WebSocket with a
 * close frame between two frames. A stop ends them all at once, so their clients reconnect to
 * another instance instead of waiting out the drain. Used on its event loop only. (The streams
 * to end when a session's access ends are {@link io.syncgate.session.SessionStreams}.)
 */
public final class EventLoopStreams {

  private final Set<Runnable> open = new LinkedHashSet<>();
  /** Counts for metrics, read from any thread. */
  private final AtomicInteger feeds = new AtomicInteger();
  private final AtomicInteger webSockets = new AtomicInteger();
  private boolean stopping;

  /**
   * Adds a feed or a WebSocket; the returned action removes it once it has ended. A stream that
   * starts once the stop has begun (its request was still being authenticated) is ended at once,
   * just after.
   */
  Runnable add(Runnable endCleanly, boolean webSocket) {
    if (stopping) {
      Vertx.currentContext().runOnContext(v -> endCleanly.run());
      return () -> { };
    }
    AtomicInteger count = webSocket ? webSockets : feeds;
    open.add(endCleanly);
    count.incrementAndGet();
    return () -> {
      if (open.remove(endCleanly)) {
        count.decrementAndGet();
      }
    };
  }

  public int size() {
    return open.size();
  }

  /** Feeds (long-poll and continuous {@code _changes}) open now; safe from any thread. */
  public int feeds() {
    return feeds.get();
  }

  /** WebSockets open now; safe from any thread. */
  public int webSockets() {
    return webSockets.get();
  }

  /** Ends every stream open now, and every one that starts from now on. */
  public void endAll() {
    stopping = true;
    for (Runnable stream : new ArrayList<>(open)) {
      stream.run();
    }
    open.clear();
    feeds.set(0);
    webSockets.set(0);
  }
}
