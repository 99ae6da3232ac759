package io.syncgate.config;

/**
 * What the public listener accepts of a request's head: larger is refused with JSON (414, 431)
 * and the connection closed, before anything is read further or forwarded.
 */
public record InboundLimits(int maxUrlLength, int maxHeaderBytes) {

  public static final int DEFAULT_MAX_URL_LENGTH = 8192;
  public static final int DEFAULT_MAX_HEADER_BYTES = 16384;
}
