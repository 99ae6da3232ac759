package io.syncgate.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes log lines to standard output from one thread of its own, in batches: a thread that logs
 * (an event loop, mostly, writing an access line per request) only queues the event and goes on.
 * The writer wakes every {@code flushIntervalMillis} (50 ms), or at once for a line at WARN or
 * above, and writes whatever has queued to standard output with one write.
 *
 * <p>Logback's {@code AsyncAppender} in front of a {@code ConsoleAppender} wakes its worker for
 * every line and writes and flushes each one by itself: measured at about 9 µs of CPU per access
 * line on two busy event loops, against about 1.3 µs here (docs/performance.md). A full queue drops
 * lines rather than make an event loop wait; those lost are counted and reported.
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 16384;
  private long flushIntervalMillis = 50;
  private ArrayBlockingQueue<ILoggingEvent> queue;
  private final LongAdder dropped = new LongAdder();
  private volatile Thread writer;
  private volatile boolean running;
  /** Standard output as it is at start (a test harness may have replaced it), unless a test sets one. */
  private OutputStream out;
  /** One batch's lines, written to {@link #out} at once. */
  private final ByteArrayOutputStream batchBytes = new ByteArrayOutputStream(64 * 1024);

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setFlushIntervalMillis(long flushIntervalMillis) {
    this.flushIntervalMillis = flushIntervalMillis;
  }

  /** For tests: where lines go instead of standard output. Set before start. */
  void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for the appender named [" + name + "]");
      return;
    }
    if (out == null) {
      out = System.out;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    running = true;
    Thread thread = new Thread(this::writeLoop, "syncgate-log-writer");
    thread.setDaemon(true);
    writer = thread;
    super.start();
    thread.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    boolean urgent = event.getLevel().isGreaterOrEqual(Level.WARN);
    if (queue.offer(event)) {
      if (urgent) {
        LockSupport.unpark(writer);
      }
    } else {
      // Never a wait: the caller is an event loop, mostly. The writer is woken to catch up.
      LockSupport.unpark(writer);
      dropped.increment();
    }
  }

  private void writeLoop() {
    List<ILoggingEvent> batch = new ArrayList<>();
    while (running) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(flushIntervalMillis));
      writeQueued(batch);
    }
    writeQueued(batch);
  }

  private void writeQueued(List<ILoggingEvent> batch) {
    try {
      while (queue.drainTo(batch) > 0) {
        for (ILoggingEvent event : batch) {
          batchBytes.write(encoder.encode(event));
        }
        batch.clear();
      }
      long lost = dropped.sumThenReset();
      if (lost > 0) {
        batchBytes.write(("syncgate: " + lost + " log lines dropped: the log writer fell behind\n")
            .getBytes(StandardCharsets.US_ASCII));
      }
      if (batchBytes.size() > 0) {
        batchBytes.writeTo(out);
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      batch.clear();
      addError("cannot write log lines", e);
    } finally {
      batchBytes.reset();
    }
  }

  /** Writes what is queued, then stops: nothing logged before the stop is lost. */
  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    Thread thread = writer;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
