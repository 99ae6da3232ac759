package io.syncgate.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Rate limits on sign-in, each answered at once with 429 and {@code Retry-After}: per user, so one
 * user's sign-in flood (each sign-in mints a session through the Admin API's small pool) is refused
 * before it can slow anyone else's, and in total, to protect Sync Gateway. Token buckets from
 * Bucket4j, on Syncgate's clock.
 */
final class SignInLimits {

  private final Clock clock;
  private final int perUserPerMinute;
  private final Bucket total;
  private final Cache<String, Bucket> perUser;

  SignInLimits(SessionPolicy policy, Clock clock) {
    this.clock = clock;
    this.perUserPerMinute = policy.signInsPerUserPerMinute();
    this.total = bucket(policy.signInsPerSecond(), Duration.ofSeconds(1));
    this.perUser = Caffeine.newBuilder()
        .maximumSize(policy.cacheMaxEntries())
        .expireAfterAccess(Duration.ofMinutes(2))
        .build();
  }

  /** Takes one sign-in for {@code username} in {@code db}, or fails with 429. */
  void take(String db, String username) {
    Bucket user = perUser.get(db + "\u0000" + username, key -> bucket(perUserPerMinute, Duration.ofMinutes(1)));
    ConsumptionProbe mine = user.tryConsumeAndReturnRemaining(1);
    if (!mine.isConsumed()) {
      throw GatewayFailure.tooManyRequests("too many sign-ins for this user: try again later",
          seconds(mine.getNanosToWaitForRefill()));
    }
    ConsumptionProbe everyone = total.tryConsumeAndReturnRemaining(1);
    if (!everyone.isConsumed()) {
      user.addTokens(1);
      throw GatewayFailure.tooManyRequests("too many sign-ins: try again later", seconds(everyone.getNanosToWaitForRefill()));
    }
  }

  private Bucket bucket(long capacity, Duration period) {
    return Bucket.builder()
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
        .build();
  }

  private static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
