package io.syncgate.failure;

import java.util.concurrent.TimeoutException;

/**
 * Tells a request that waited too long for a pooled backend connection (all busy: the answer is
 * 503, try again) from one the backend did not answer in time (504). Vert.x reports both as a
 * {@link TimeoutException}; only the first says it was "getting a connection".
 */
public final class PoolWait {

  private PoolWait() {}

  public static boolean exceeded(Throwable failure) {
    return failure instanceof TimeoutException && failure.getMessage() != null
        && failure.getMessage().contains("getting a connection");
  }
}
