package io.syncgate.proxy;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The feeds and WebSockets one event loop is relaying, each with a way to end it cleanly: a feed
 * at a line boundary (a long-poll with an empty answer a client resumes from), a WebSocket with a
 * close frame between two frames. A stop ends them all at once, so their clients reconnect to
 * another instance instead of waiting out the drain. Used on its event loop only.
 */
public final class Streams {

  private final Set<Runnable> open = new LinkedHashSet<>();
  private boolean stopping;

  /**
   * Adds a stream; the returned action removes it once it has ended. A stream that starts once
   * the stop has begun (its request was still being authenticated) is ended at once, just after.
   */
  Runnable add(Runnable endCleanly) {
    if (stopping) {
      Vertx.currentContext().runOnContext(v -> endCleanly.run());
      return () -> { };
    }
    open.add(endCleanly);
    return () -> open.remove(endCleanly);
  }

  public int size() {
    return open.size();
  }

  /** Ends every stream open now, and every one that starts from now on. */
  public void endAll() {
    stopping = true;
    for (Runnable stream : new ArrayList<>(open)) {
      stream.run();
    }
    open.clear();
  }
}
