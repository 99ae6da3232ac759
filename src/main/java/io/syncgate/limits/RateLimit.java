package io.syncgate.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A rate limit per key (a user, a client address; one key for a limit on everyone): a Bucket4j
 * token bucket each, refilled greedily over {@code period}, on Syncgate's clock so that tests move
 * time instead of waiting. Buckets of keys unseen for two periods are forgotten, and at most
 * {@code maxKeys} are kept: a flood of new keys costs memory no more than it costs time.
 */
public final class RateLimit {

  private final Clock clock;
  private final long capacity;
  private final Duration period;
  private final Cache<String, Bucket> buckets;

  public RateLimit(Clock clock, long capacity, Duration period, long maxKeys) {
    this.clock = clock;
    this.capacity = capacity;
    this.period = period;
    this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(period.multipliedBy(2)).build();
  }

  /** Takes one for {@code key}: 0 when taken, else the whole seconds (at least 1) until one is free. */
  public long tryTake(String key) {
    ConsumptionProbe probe = bucket(key).tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? 0 : Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
  }

  /** Whether {@code key} has nothing left now; takes nothing. */
  public boolean spent(String key) {
    Bucket bucket = buckets.getIfPresent(key);
    return bucket != null && bucket.getAvailableTokens() < 1;
  }

  /** The whole seconds until {@code key} has one again (at least 1). */
  public long secondsUntilFree(String key) {
    long nanos = bucket(key).estimateAbilityToConsume(1).getNanosToWaitForRefill();
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  /** Returns one taken for {@code key} (a request refused further on did not use it). */
  public void giveBack(String key) {
    bucket(key).addTokens(1);
  }

  private Bucket bucket(String key) {
    return buckets.get(key, k -> Bucket.builder()
        .addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, period))
        .withCustomTimePrecision(new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
          }

          @Override
          public boolean isWallClockBased() {
            return true;
          }
        })
        .build());
  }
}
