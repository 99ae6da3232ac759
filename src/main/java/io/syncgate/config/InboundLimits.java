package io.syncgate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What the public listener accepts from clients. A head over the sizes is refused with JSON (414,
 * 431) and the connection closed before anything is forwarded; a head that takes longer than
 * {@code headerTimeout} to arrive gets 408; a kept-alive connection idle for {@code idleTimeout}
 * between requests is closed; a body Syncgate reads itself over {@code maxBodyBytes} gets 413.
 * {@code maxConnections} of 0 means "as many as the open-file limit allows" (see the server's
 * capacity planning).
 */
public record InboundLimits(
    int maxUrlLength,
    int maxHeaderBytes,
    int maxHeaders,
    int maxBodyBytes,
    Duration headerTimeout,
    Duration idleTimeout,
    Duration bodyTimeout,
    int maxConnections) {

  public static final int DEFAULT_MAX_URL_LENGTH = 8192;
  public static final int DEFAULT_MAX_HEADER_BYTES = 16384;
  public static final int DEFAULT_MAX_HEADERS = 100;
  public static final int DEFAULT_MAX_BODY_BYTES = 65536;
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final int AUTO = 0;

  public InboundLimits {
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(bodyTimeout, "bodyTimeout");
  }
}
