package io.syncgate.session;

import io.syncgate.backend.Backend;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every open long-poll or continuous feed and WebSocket, with the session it runs on, so that it
 * ends when that session's access ends — Sync Gateway never closes them itself (SG #3727). A
 * stream is ended at its deadline (a bearer token's {@code exp}, a cookie ticket's deadline), at
 * once when its session or user is signed out through this instance, and when the backend no
 * longer knows its session (signed out on another instance, deleted by an operator, a disabled
 * user), which is asked once per session every revalidation interval, and when a provider's
 * back-channel logout ends the token its session was opened for. Ending a stream closes its
 * connection, so the client retries and meets the 401 it is now due. One registry serves every
 * event loop. (The streams each event loop ends at a stop are {@code proxy.EventLoopStreams}.)
 */
public final class SessionStreams implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SessionStreams.class);
  /** How often deadlines are checked: the "within a second" of the promise, with room to spare. */
  static final Duration SWEEP = Duration.ofMillis(250);

  /** One open stream, ended on the event loop that serves it. */
  public interface Registration {
    void cancel();

    /** The stream now runs on {@code session} (a stale one was replaced). */
    void moveTo(SessionRef session);
  }

  private record Stream(SessionRef session, Context context, Runnable end, AtomicBoolean cancelled) {
    Stream on(SessionRef moved) {
      return new Stream(moved, context, end, cancelled);
    }
  }

  private final Vertx vertx;
  private final Backend backend;
  private final Clock clock;
  private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean revalidating = new AtomicBoolean();
  private final long sweepTimer;
  private final long revalidateTimer;

  SessionStreams(Vertx vertx, Backend backend, Clock clock, Duration revalidateInterval) {
    this.vertx = vertx;
    this.backend = backend;
    this.clock = clock;
    this.sweepTimer = vertx.setPeriodic(SWEEP.toMillis(), id -> endExpired());
    this.revalidateTimer = vertx.setPeriodic(revalidateInterval.toMillis(), id -> revalidate());
  }

  /** Registers a stream on {@code session}; {@code end} runs on the caller's event loop. */
  public Registration register(SessionRef session, Runnable end) {
    long id = ids.incrementAndGet();
    Context context = vertx.getOrCreateContext();
    AtomicBoolean cancelled = new AtomicBoolean();
    streams.put(id, new Stream(session, context, end, cancelled));
    return new Registration() {
      @Override
      public void cancel() {
        cancelled.set(true);
        streams.remove(id);
      }

      @Override
      public void moveTo(SessionRef moved) {
        streams.computeIfPresent(id, (key, stream) -> stream.on(moved));
      }
    };
  }

  public int size() {
    return streams.size();
  }

  /** Ends the streams of one backend session now. */
  public void endSession(String sessionId) {
    end(stream -> stream.session().sessionId().equals(sessionId), "its session was signed out");
  }

  /** Ends every stream of a user in a database now. */
  public void endUser(String db, String username) {
    end(stream -> stream.session().db().equals(db) && stream.session().username().equals(username),
        "its user's sessions were revoked");
  }

  private void endExpired() {
    var now = clock.instant();
    end(stream -> !now.isBefore(stream.session().deadline()), "its token expired");
  }

  /**
   * Asks SG about each session of an open stream, one at a time (the Admin API's pool is small and
   * serves sign-ins too); a round still running when the next is due is not doubled.
   */
  private void revalidate() {
    if (!revalidating.compareAndSet(false, true)) {
      return;
    }
    Set<SessionRef> sessions = streams.values().stream().map(Stream::session)
        .map(s -> new SessionRef(s.db(), s.username(), s.sessionId(), java.time.Instant.EPOCH))
        .collect(Collectors.toSet());
    Future<Void> round = Future.succeededFuture();
    for (SessionRef session : sessions) {
      round = round.compose(v -> backend.sessionExists(session.db(), session.username(), session.sessionId())
          .map(exists -> {
            if (!exists) {
              endSession(session.sessionId());
            }
            return (Void) null;
          })
          .otherwise(e -> {
            log.debug("cannot revalidate a session: {}", e.toString());
            return null;
          }));
    }
    round.onComplete(done -> revalidating.set(false));
  }

  /** Ends the streams whose session {@code which} picks, now; answers those sessions. */
  Set<SessionRef> endWhere(java.util.function.Predicate<SessionRef> which, String why) {
    return end(stream -> which.test(stream.session()), why);
  }

  private Set<SessionRef> end(java.util.function.Predicate<Stream> which, String why) {
    Set<SessionRef> ended = ConcurrentHashMap.newKeySet();
    streams.entrySet().removeIf(entry -> {
      if (!which.test(entry.getValue())) {
        return false;
      }
      Stream stream = entry.getValue();
      ended.add(stream.session());
      log.debug("ending a stream of {} in {}: {}", stream.session().username(), stream.session().db(), why);
      // A stream that finished meanwhile is left alone: its connection may serve another request now.
      stream.context().runOnContext(v -> {
        if (!stream.cancelled().get()) {
          stream.end().run();
        }
      });
      return true;
    });
    return ended;
  }

  @Override
  public void close() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(revalidateTimer);
  }
}
