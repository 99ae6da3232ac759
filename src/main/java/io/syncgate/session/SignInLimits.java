package io.syncgate.session;

import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.limits.RateLimit;
import java.time.Clock;
import java.time.Duration;

/**
 * Rate limits on sign-in, each answered at once with 429 and {@code Retry-After}: per user, so one
 * user's sign-in flood (each sign-in mints a session through the Admin API's small pool) is refused
 * before it can slow anyone else's, and in total, to protect Sync Gateway.
 */
final class SignInLimits {

  private static final String EVERYONE = "";

  private final RateLimit perUser;
  private final RateLimit total;

  SignInLimits(SessionPolicy policy, Clock clock) {
    this.perUser = new RateLimit(clock, policy.signInsPerUserPerMinute(), Duration.ofMinutes(1),
        policy.cacheMaxEntries());
    this.total = new RateLimit(clock, policy.signInsPerSecond(), Duration.ofSeconds(1), 1);
  }

  /** Takes one sign-in for {@code username} in {@code db}, or fails with 429. */
  void take(String db, String username) {
    String user = db + "\u0000" + username;
    long wait = perUser.tryTake(user);
    if (wait > 0) {
      throw GatewayFailure.tooManyRequests("too many sign-ins for this user: try again later", wait);
    }
    wait = total.tryTake(EVERYONE);
    if (wait > 0) {
      perUser.giveBack(user);
      throw GatewayFailure.tooManyRequests("too many sign-ins: try again later", wait);
    }
  }
}
