package io.syncgate.server;

import io.vertx.core.Vertx;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process on an {@link Error} anywhere in it (an {@code OutOfMemoryError}, a
 * {@code StackOverflowError}) instead of letting it kill an event loop or the acceptor and leave a
 * process that is alive but answers nothing, ignores SIGTERM, and passes a liveness probe. The exit
 * is non-zero, so the supervisor starts a fresh one. {@code -XX:+ExitOnOutOfMemoryError} (in the
 * launcher's defaults) does this earlier for memory; this covers the rest and runs without it.
 */
public final class FatalErrors {

  /** EX_SOFTWARE from sysexits.h: an internal error. */
  public static final int EXIT_CODE = 70;

  private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);

  private FatalErrors() {}

  /** Watches {@code vertx}'s handlers and every thread of the process; {@code exit} ends it. */
  public static void install(Vertx vertx, IntConsumer exit) {
    vertx.exceptionHandler(failure -> {
      if (failure instanceof Error error) {
        fatal(error, exit);
      } else {
        log.error("unexpected failure in a handler", failure);
      }
    });
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
      if (failure instanceof Error error) {
        fatal(error, exit);
      } else if (previous != null) {
        previous.uncaughtException(thread, failure);
      } else {
        log.error("thread {} ended by a failure", thread.getName(), failure);
      }
    });
  }

  private static void fatal(Error error, IntConsumer exit) {
    try {
      // No stack trace: memory may be short, and the class of error says what happened.
      log.error("fatal {} on thread {}: exiting with {} so that the supervisor starts a fresh process",
          error.getClass().getName(), Thread.currentThread().getName(), EXIT_CODE);
    } finally {
      exit.accept(EXIT_CODE);
    }
  }
}
