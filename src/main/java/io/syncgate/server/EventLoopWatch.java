package io.syncgate.server;

import io.vertx.core.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether the event loops that serve clients still run what is handed to them. Each is sent a
 * small task regularly, from a thread of the watch's own (a blocked loop cannot time itself); one
 * whose task has waited past the bound is blocked, and {@code /healthz} then says the process is
 * unhealthy, so a liveness probe restarts what would otherwise be alive and deaf.
 */
final class EventLoopWatch implements AutoCloseable {

  private final List<Context> loops;
  private final long boundNanos;
  /** Per loop, when its pending task was sent ({@code System.nanoTime}), or 0 when none is pending. */
  private final AtomicLongArray pendingSince;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "syncgate-event-loop-watch");
    thread.setDaemon(true);
    return thread;
  });

  EventLoopWatch(List<Context> loops, Duration bound) {
    this.loops = List.copyOf(loops);
    this.boundNanos = bound.toNanos();
    this.pendingSince = new AtomicLongArray(loops.size());
    long every = Math.max(50, Math.min(1000, bound.toMillis() / 4));
    timer.scheduleWithFixedDelay(this::ping, 0, every, TimeUnit.MILLISECONDS);
  }

  private void ping() {
    for (int i = 0; i < loops.size(); i++) {
      int loop = i;
      // 0 stands for "answered", so a send time of 0 is moved by a nanosecond.
      if (pendingSince.compareAndSet(loop, 0, System.nanoTime() | 1)) {
        loops.get(loop).runOnContext(v -> pendingSince.set(loop, 0));
      }
    }
  }

  List<Context> loops() {
    return loops;
  }

  /** Why the process is unhealthy (a loop blocked past the bound), or null while every loop runs. */
  String blocked() {
    long now = System.nanoTime();
    for (int i = 0; i < loops.size(); i++) {
      long since = pendingSince.get(i);
      if (since != 0 && now - since > boundNanos) {
        return "event loop " + i + " has run nothing for " + TimeUnit.NANOSECONDS.toMillis(now - since) + " ms";
      }
    }
    return null;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
