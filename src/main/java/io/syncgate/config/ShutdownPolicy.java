package io.syncgate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a stop on SIGTERM or SIGINT goes: readiness turns false at once, the listener stops
 * accepting, feeds and WebSockets are ended cleanly, and ordinary requests get {@code drainTimeout}
 * to finish before their connections are closed.
 */
public record ShutdownPolicy(Duration drainTimeout) {

  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(15);

  public ShutdownPolicy {
    Objects.requireNonNull(drainTimeout, "drainTimeout");
  }
}
