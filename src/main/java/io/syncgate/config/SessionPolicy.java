package io.syncgate.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long backend sessions live. A session never outlives the token it was created for;
 * {@code maxTtl} caps it further. {@code cacheMaxEntries} bounds the sessions kept for
 * bearer-authenticated requests.
 */
public record SessionPolicy(Duration maxTtl, int cacheMaxEntries) {

  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
  public static final int DEFAULT_CACHE_MAX_ENTRIES = 10_000;

  public SessionPolicy {
    Objects.requireNonNull(maxTtl, "maxTtl");
    if (maxTtl.toSeconds() < 1) {
      throw new IllegalArgumentException("maxTtl must be at least one second");
    }
  }
}
