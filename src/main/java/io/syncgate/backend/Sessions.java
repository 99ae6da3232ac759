package io.syncgate.backend;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/**
 * Opens backend sessions on the terms Syncgate promises: a session never outlives the token that
 * asked for it, nor the configured cap. Bearer-authenticated requests reuse one cached session
 * per user and database until shortly before it expires, so a replication does not mint a session
 * per request; concurrent first requests share one.
 */
public final class Sessions {

  /** Stop handing out a cached session this long before it expires (or a tenth of its life, if less). */
  static final Duration REUSE_MARGIN = Duration.ofSeconds(30);

  private record Key(String db, String username) {}

  private final Backend backend;
  private final SessionPolicy policy;
  private final Clock clock;
  private final AsyncCache<Key, BackendSession> reusable;

  public Sessions(Backend backend, SessionPolicy policy, Clock clock) {
    this.backend = backend;
    this.policy = policy;
    this.clock = clock;
    this.reusable = Caffeine.newBuilder()
        .maximumSize(policy.cacheMaxEntries())
        .ticker(() -> {
          var now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .expireAfter(Expiry.<Key, BackendSession>creating((key, session) -> reusableFor(session)))
        .buildAsync();
  }

  /** A fresh session, for an explicit sign-in. */
  public Future<BackendSession> open(String db, Identity identity) {
    Duration ttl = Duration.between(clock.instant(), identity.expiresAt());
    if (ttl.compareTo(policy.maxTtl()) > 0) {
      ttl = policy.maxTtl();
    }
    if (ttl.toSeconds() < 1) {
      // The token passed within the clock skew, but a session needs a whole second to live.
      return Future.failedFuture(GatewayFailure.invalidToken("token expired"));
    }
    return backend.openSession(db, identity, Duration.ofSeconds(ttl.toSeconds()));
  }

  /** A session for a bearer-authenticated request: the cached one while it has life left. */
  public Future<BackendSession> reuse(String db, Identity identity) {
    Context context = Vertx.currentContext();
    var pending = reusable.get(new Key(db, identity.username()),
        (key, executor) -> open(db, identity).toCompletionStage().toCompletableFuture());
    return context == null ? Future.fromCompletionStage(pending) : Future.fromCompletionStage(pending, context);
  }

  /** Drops the cached session, e.g. after the backend refused it. */
  public void forget(String db, Identity identity) {
    reusable.synchronous().invalidate(new Key(db, identity.username()));
  }

  private Duration reusableFor(BackendSession session) {
    Duration life = Duration.between(clock.instant(), session.expires());
    Duration margin = life.dividedBy(10).compareTo(REUSE_MARGIN) < 0 ? life.dividedBy(10) : REUSE_MARGIN;
    Duration reusable = life.minus(margin);
    return reusable.isNegative() ? Duration.ZERO : reusable;
  }
}
