package io.syncgate.proxy;

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

  /** Adds a stream; the returned action removes it once it has ended. */
  Runnable add(Runnable endCleanly) {
    open.add(endCleanly);
    return () -> open.remove(endCleanly);
  }

  public int size() {
    return open.size();
  }

  /** Ends every stream open now. */
  public void endAll() {
    for (Runnable stream : new ArrayList<>(open)) {
      stream.run();
    }
    open.clear();
  }
}
