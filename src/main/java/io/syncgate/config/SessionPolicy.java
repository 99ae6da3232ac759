package io.syncgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How long backend sessions live and how cookie sessions are kept. A session never outlives the
 * token it was created for; {@code maxTtl} caps it further. {@code cacheMaxEntries} bounds the
 * sessions held for bearer clients. Cookie sessions are tickets signed with the first of
 * {@code cookieSecrets} (the rest are previous secrets, still accepted); none configured means a
 * random secret per process. {@code revalidateInterval} is how often the sessions of open streams
 * are checked at the backend. Sign-ins are limited per user and database, and in total. A provider's
 * back-channel logout refuses the tokens it ended for {@code logoutMemory}; every instance reads
 * the list of them every {@code logoutRefreshInterval}.
 */
public record SessionPolicy(
    Duration maxTtl,
    int cacheMaxEntries,
    List<String> cookieSecrets,
    boolean acceptUnsignedCookies,
    Duration revalidateInterval,
    int signInsPerUserPerMinute,
    int signInsPerSecond,
    Duration logoutMemory,
    Duration logoutRefreshInterval) {

  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
  public static final int DEFAULT_CACHE_MAX_ENTRIES = 10_000;
  public static final boolean DEFAULT_ACCEPT_UNSIGNED_COOKIES = false;
  public static final Duration DEFAULT_REVALIDATE_INTERVAL = Duration.ofSeconds(30);
  public static final int DEFAULT_SIGN_INS_PER_USER_PER_MINUTE = 30;
  public static final int DEFAULT_SIGN_INS_PER_SECOND = 100;
  /** Auth0's default access-token lifetime, the longest of the common providers'. */
  public static final Duration DEFAULT_LOGOUT_MEMORY = Duration.ofHours(24);
  public static final Duration DEFAULT_LOGOUT_REFRESH_INTERVAL = Duration.ofSeconds(5);
  /** A shorter secret could be guessed; 32 characters of a random string carry enough. */
  public static final int MIN_SECRET_LENGTH = 32;

  public SessionPolicy {
    Objects.requireNonNull(maxTtl, "maxTtl");
    cookieSecrets = List.copyOf(cookieSecrets);
    Objects.requireNonNull(revalidateInterval, "revalidateInterval");
    Objects.requireNonNull(logoutMemory, "logoutMemory");
    Objects.requireNonNull(logoutRefreshInterval, "logoutRefreshInterval");
    if (maxTtl.toSeconds() < 1) {
      throw new IllegalArgumentException("maxTtl must be at least one second");
    }
  }

  @Override
  public String toString() {
    return "SessionPolicy[maxTtl=" + maxTtl + ", cacheMaxEntries=" + cacheMaxEntries + ", cookieSecrets="
        + cookieSecrets.size() + " (hidden), acceptUnsignedCookies=" + acceptUnsignedCookies
        + ", revalidateInterval=" + revalidateInterval + ", signInsPerUserPerMinute=" + signInsPerUserPerMinute
        + ", signInsPerSecond=" + signInsPerSecond + ", logoutMemory=" + logoutMemory
        + ", logoutRefreshInterval=" + logoutRefreshInterval + "]";
  }
}
