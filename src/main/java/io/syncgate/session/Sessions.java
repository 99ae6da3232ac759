package io.syncgate.session;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.syncgate.backend.Backend;
import io.syncgate.backend.BackendSession;
import io.syncgate.backend.Grants;
import io.syncgate.config.CookiePolicy;
import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.Identity;
import io.syncgate.identity.LogoutSubject;
import io.syncgate.identity.LogoutToken;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Owns session life. A session is opened at the backend no longer than the token that asked for
 * it (nor {@code session.max_ttl}); a cookie client keeps it as a signed ticket carrying that
 * deadline ({@link Tickets}), which every instance checks without shared state, so the backend's
 * sliding renewal cannot carry it past the token. A bearer client never sees a session: one per
 * user and database is held for it and reused until shortly before it expires. Sign-out and
 * revocation end sessions at the backend and the streams that run on them ({@link SessionStreams}),
 * and so does the identity provider's back-channel logout, whose tokens every instance then
 * refuses ({@link LogoutList}).
 */
public final class Sessions implements AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Sessions.class);

  /** Stop handing out a held session this long before it expires (or a tenth of its life, if less). */
  static final Duration REUSE_MARGIN = Duration.ofSeconds(30);
  /** How long a refused session (a disabled user) is remembered, so a retrying client cannot hammer the admin API. */
  static final Duration REFUSAL_MEMORY = Duration.ofSeconds(10);

  /** What the backend is to be shown for one request, and the session it runs on. */
  public record Presented(String backendCookie, SessionRef session) {
    @Override
    public String toString() {
      return "Presented[" + session + "]";
    }
  }

  /** A cookie session just opened: the client's ticket, as a cookie and in SG's answer shape. */
  public record SignedIn(String ticket, String expires, String cookieName, String setCookie, SessionRef session) {
    @Override
    public String toString() {
      return "SignedIn[" + session + "]";
    }
  }

  private record Key(String db, String username) {}

  /**
   * A session held for a bearer client, and the grants its user was last given here, by a token
   * issued at {@code issuedAt}: a newer token whose claims grant otherwise updates the user first.
   */
  private record Held(BackendSession session, Grants grants, Instant issuedAt, LogoutSubject origin) {}

  private final Backend backend;
  private final SessionPolicy policy;
  private final Clock clock;
  private final Tickets tickets;
  private final SessionCookies cookies;
  private final String basePath;
  private final SessionStreams streams;
  private final AsyncCache<Key, Held> held;
  private final Cache<Key, GatewayFailure> refused;
  /** Cookie sessions opened here, by backend session id: a provider's logout of their token ends them at the backend. */
  private final Cache<String, SessionRef> signedIn;
  private final SignInLimits limits;
  private final Counter opened;
  private final Counter signedOut;
  private final Counter revoked;
  private final Counter loggedOut;
  private final List<String> databases;
  private final LogoutList logouts;

  /**
   * @param logoutStore the backend the provider logouts all instances honour ({@link LogoutList})
   *     are kept in, in the first of {@code databases}: through connections of their own
   * @param databases every database served
   */
  public Sessions(Vertx vertx, Backend backend, Backend logoutStore, SessionPolicy policy, CookiePolicy cookiePolicy,
      String basePath, List<String> databases, List<String> secrets, Clock clock, MeterRegistry metrics) {
    this.opened = Counter.builder("syncgate.sessions.opened").description("Backend sessions opened").register(metrics);
    this.signedOut = Counter.builder("syncgate.sessions.ended").description("Backend sessions ended by sign-out or revocation")
        .tag("by", "sign_out").register(metrics);
    this.revoked = Counter.builder("syncgate.sessions.ended").description("Backend sessions ended by sign-out or revocation")
        .tag("by", "revoke_all").register(metrics);
    this.loggedOut = Counter.builder("syncgate.sessions.ended").description("Backend sessions ended by sign-out or revocation")
        .tag("by", "provider_logout").register(metrics);
    this.databases = List.copyOf(databases);
    this.backend = backend;
    this.policy = policy;
    this.clock = clock;
    this.tickets = new Tickets(secrets);
    this.cookies = new SessionCookies(cookiePolicy, basePath, clock);
    this.basePath = basePath;
    this.streams = new SessionStreams(vertx, backend, clock, policy.revalidateInterval());
    this.limits = new SignInLimits(policy, clock);
    Ticker ticker = () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
    this.held = Caffeine.newBuilder()
        .maximumSize(policy.cacheMaxEntries())
        .ticker(ticker)
        .expireAfter(Expiry.<Key, Held>creating((key, entry) -> reusableFor(entry.session())))
        .buildAsync();
    this.refused = Caffeine.newBuilder()
        .maximumSize(policy.cacheMaxEntries())
        .ticker(ticker)
        .expireAfterWrite(REFUSAL_MEMORY)
        .build();
    this.signedIn = Caffeine.newBuilder()
        .maximumSize(policy.cacheMaxEntries())
        .ticker(ticker)
        .expireAfter(Expiry.<String, SessionRef>creating((id, ref) -> {
          Duration left = Duration.between(clock.instant(), ref.deadline());
          return left.isNegative() ? Duration.ZERO : left;
        }))
        .build();
    this.logouts = new LogoutList(vertx, logoutStore, this.databases.get(0), clock, policy.logoutMemory(),
        policy.logoutRefreshInterval(), secrets, this::endLoggedOut);
  }

  public SessionStreams streams() {
    return streams;
  }

  /** The session cookie's value among a request's {@code Cookie} headers, or null; see {@link SessionCookies#find}. */
  public String cookieIn(List<String> cookieHeaders) {
    return SessionCookies.find(cookieHeaders, cookieName());
  }

  public String cookieName() {
    return backend.sessionCookieName();
  }

  /** Sign-in: a new session bound to the token, as the ticket a cookie client keeps. */
  public Future<SignedIn> signIn(String db, Identity identity) {
    LogoutSubject origin = identity.logoutSubject();
    if (logouts.refuses(origin)) {
      return Future.failedFuture(loggedOutFailure());
    }
    try {
      limits.take(db, identity.username());
    } catch (GatewayFailure tooMany) {
      return Future.failedFuture(tooMany);
    }
    return open(db, identity).map(session -> {
      // SG answers with its own clock's expiry; the ticket never outlives the token or the cap by ours.
      Instant deadline = earliest(session.expires(), identity.expiresAt(), clock.instant().plus(policy.maxTtl()));
      SessionRef ref = new SessionRef(db, identity.username(), session.sessionId(), deadline, origin);
      String ticket = tickets.sign(ref);
      signedIn.put(ref.sessionId(), ref);
      String setCookie = cookies.issue(cookieName(), ticket, path(db), deadline);
      String expires = deadline.equals(session.expires()) ? session.expiresText() : deadline.toString();
      return new SignedIn(ticket, expires, cookieName(), setCookie, ref);
    });
  }

  /**
   * A bearer client's request: the session held for its user, opened on first use. Its grants
   * follow the token: a token issued no earlier than the one that last provisioned the user, whose
   * claims grant otherwise, updates the user before the session serves it (SG's grants belong to
   * the user, not to a session). An older token changes nothing, so two tokens of one user cannot
   * take turns rewriting it; each update counts against the user's sign-in limit.
   */
  public Future<Presented> forBearer(String db, Identity identity) {
    LogoutSubject origin = identity.logoutSubject();
    if (logouts.refuses(origin)) {
      return Future.failedFuture(loggedOutFailure());
    }
    Key key = new Key(db, identity.username());
    GatewayFailure remembered = refused.getIfPresent(key);
    if (remembered != null) {
      return Future.failedFuture(remembered);
    }
    Context context = Vertx.currentContext();
    Grants wanted = backend.grants(db, identity);
    CompletableFuture<Held> pending = held.get(key, (k, executor) -> open(db, identity)
        .map(session -> new Held(session, wanted, identity.issuedAt(), origin))
        .onFailure(e -> {
          if (e instanceof GatewayFailure failure && failure.status() == 403) {
            refused.put(k, failure);
          }
        })
        .toCompletionStage().toCompletableFuture());
    return on(context, pending)
        .compose(entry -> entry.grants().equals(wanted) || identity.issuedAt().isBefore(entry.issuedAt())
            ? Future.succeededFuture(entry) : regrant(key, pending, entry, identity, wanted, context))
        .map(entry -> new Presented(backend.sessionCookie(entry.session().sessionId()),
            new SessionRef(db, identity.username(), entry.session().sessionId(), identity.expiresAt(),
                origin)));
  }

  /** Updates the user's grants, once for all the requests that find {@code stale} held meanwhile. */
  private Future<Held> regrant(Key key, CompletableFuture<Held> stale, Held entry, Identity identity, Grants wanted,
      Context context) {
    CompletableFuture<Held> current = held.asMap().compute(key, (k, now) -> now != stale ? now
        : limited(key, identity)
            .compose(v -> backend.updateUser(key.db(), identity))
            .map(v -> new Held(entry.session(), wanted, identity.issuedAt(), identity.logoutSubject()))
            .toCompletionStage().toCompletableFuture());
    // A failed update leaves the session held with the old grants, to be tried again by the next request.
    current.whenComplete((done, failure) -> {
      if (failure != null) {
        held.asMap().replace(key, current, stale);
      }
    });
    return on(context, current);
  }

  private Future<Void> limited(Key key, Identity identity) {
    try {
      limits.take(key.db(), identity.username());
      return Future.succeededFuture();
    } catch (GatewayFailure tooMany) {
      return Future.failedFuture(tooMany);
    }
  }

  private static <T> Future<T> on(Context context, CompletableFuture<T> pending) {
    return context == null ? Future.fromCompletionStage(pending) : Future.fromCompletionStage(pending, context);
  }

  /**
   * Drops the session held for a bearer client after the backend refused it, unless a newer one
   * already replaced it: a late refusal of an old session must not evict a fresh one.
   */
  public void forgetRefused(SessionRef session) {
    // On the async map: the synchronous view would block this event loop on a session still
    // being opened, whose answer this very loop has to deliver.
    held.asMap().computeIfPresent(new Key(session.db(), session.username()),
        (key, pending) -> pending.isDone() && !pending.isCompletedExceptionally()
            && pending.join().session().sessionId().equals(session.sessionId()) ? null : pending);
  }

  /**
   * The session to use instead of one the backend refused (deleted there, say) for a Bearer
   * client: the refused one is forgotten ({@link #forgetRefused}) and the one held for the token's
   * user now, or a new one, given.
   */
  public Future<Presented> replaceRefused(SessionRef refused, Identity bearer) {
    forgetRefused(refused);
    return forBearer(refused.db(), bearer);
  }

  /**
   * A cookie client's request: its ticket checked, and the backend session it names. Fails with
   * 401 for a ticket that is forged, for another database, or past its deadline.
   */
  public Presented forCookie(String db, String value) {
    if (!Tickets.looksLikeTicket(value)) {
      if (policy.acceptUnsignedCookies()) {
        return null;
      }
      throw GatewayFailure.credentialsRequired("this session was not opened through Syncgate: sign in again");
    }
    SessionRef session = tickets.verify(value);
    if (session == null) {
      throw GatewayFailure.credentialsRequired("the session cookie is not valid: sign in again");
    }
    if (!session.db().equals(db)) {
      throw GatewayFailure.credentialsRequired("the session cookie belongs to another database: sign in again");
    }
    if (!clock.instant().isBefore(session.deadline())) {
      throw GatewayFailure.invalidToken("token expired: sign in again");
    }
    if (logouts.refuses(session.origin())) {
      throw loggedOutFailure();
    }
    return new Presented(backend.sessionCookie(session.sessionId()), session);
  }

  /** The session a ticket names, whatever its deadline (for sign-out), or null when it is not ours. */
  public SessionRef ticketOf(String db, String value) {
    SessionRef session = tickets.verify(value);
    return session != null && session.db().equals(db) ? session : null;
  }

  /** Ends one session at the backend and its streams here. */
  public Future<Void> signOut(SessionRef session) {
    streams.endSession(session.sessionId());
    forgetRefused(session);
    // Again once SG has forgotten it: a feed admitted just before the sign-out may have opened since.
    return backend.deleteSession(session.db(), session.sessionId())
        .onSuccess(v -> {
          signedOut.increment();
          streams.endSession(session.sessionId());
        });
  }

  /** Ends every session of a user in {@code db}, everywhere, and their streams here. */
  public Future<Void> revokeAll(String db, String username) {
    streams.endUser(db, username);
    held.synchronous().invalidate(new Key(db, username));
    return backend.deleteSessions(db, username).onSuccess(v -> {
      revoked.increment();
      streams.endUser(db, username);
    });
  }

  /**
   * A provider's back-channel logout: recorded in the list every instance reads, so that the
   * tokens it ended open no session anywhere; the streams and held sessions of those tokens end
   * here at once ({@link #endLoggedOut}); and when the logout names a user whose backend name is
   * known from its {@code sub}, every session of that user ends in every database. Fails when the
   * logout could not be recorded, for the provider to send it again.
   */
  public Future<Void> providerLogout(LogoutToken logout) {
    Future<Void> recorded = logouts.add(logout.keys());
    if (logout.username() == null) {
      return recorded;
    }
    List<Future<Void>> revoked = databases.stream().map(db -> revokeAll(db, logout.username())).toList();
    return Future.all(recorded, Future.all(revoked)).mapEmpty();
  }

  /**
   * Ends what tokens ended by {@code logouts} opened here: their streams, their cookie sessions,
   * and the sessions held for them and those streams ran on, at the backend too, so that they end
   * on every instance.
   */
  private void endLoggedOut(Map<String, LogoutList.Entry> ended) {
    Map<String, SessionRef> toDelete = new HashMap<>();
    streams.endWhere(ref -> LogoutList.ends(ended, ref.origin()), "the identity provider signed its user out")
        .forEach(ref -> toDelete.put(ref.sessionId(), ref));
    signedIn.asMap().values().removeIf(ref -> {
      boolean loggedOutToken = LogoutList.ends(ended, ref.origin());
      if (loggedOutToken) {
        toDelete.put(ref.sessionId(), ref);
      }
      return loggedOutToken;
    });
    held.asMap().forEach((key, pending) -> {
      if (pending.isDone() && !pending.isCompletedExceptionally()
          && LogoutList.ends(ended, pending.join().origin()) && held.asMap().remove(key, pending)) {
        BackendSession session = pending.join().session();
        toDelete.put(session.sessionId(), new SessionRef(key.db(), key.username(), session.sessionId(), Instant.EPOCH));
      }
    });
    toDelete.values().forEach(ref -> backend.deleteSession(ref.db(), ref.sessionId())
        .onSuccess(v -> loggedOut.increment())
        .onFailure(e -> log.warn("cannot end a session the identity provider logged out: {}", e.getMessage())));
  }

  private static GatewayFailure loggedOutFailure() {
    return GatewayFailure.invalidToken("the identity provider signed this user out: sign in again");
  }

  /** The session held for a bearer client, if any (for its sign-out). */
  public SessionRef heldFor(String db, Identity identity) {
    var pending = held.getIfPresent(new Key(db, identity.username()));
    if (pending == null || !pending.isDone() || pending.isCompletedExceptionally()) {
      return null;
    }
    BackendSession session = pending.join().session();
    return new SessionRef(db, identity.username(), session.sessionId(), identity.expiresAt(), identity.logoutSubject());
  }

  /** A {@code Set-Cookie} that removes the client's session cookie for {@code db}. */
  public String expiredCookie(String db) {
    return cookies.expire(cookieName(), path(db));
  }

  /**
   * A backend {@code Set-Cookie} made fit for a client that presents the backend's own session
   * cookie (only where unsigned cookies are accepted).
   */
  public String rewriteBackendCookie(String setCookie) {
    return cookies.rewrite(setCookie);
  }

  private static Instant earliest(Instant first, Instant... others) {
    Instant earliest = first;
    for (Instant other : others) {
      earliest = other.isBefore(earliest) ? other : earliest;
    }
    return earliest;
  }

  private String path(String db) {
    return basePath + "/" + db;
  }

  private Future<BackendSession> open(String db, Identity identity) {
    Duration ttl = Duration.between(clock.instant(), identity.expiresAt());
    if (ttl.compareTo(policy.maxTtl()) > 0) {
      ttl = policy.maxTtl();
    }
    if (ttl.toSeconds() < 1) {
      // The token has less than a second left, and a session needs a whole second to live.
      return Future.failedFuture(GatewayFailure.invalidToken("token expired"));
    }
    return backend.openSession(db, identity, Duration.ofSeconds(ttl.toSeconds())).onSuccess(s -> opened.increment());
  }

  private Duration reusableFor(BackendSession session) {
    Duration life = Duration.between(clock.instant(), session.expires());
    Duration margin = life.dividedBy(10).compareTo(REUSE_MARGIN) < 0 ? life.dividedBy(10) : REUSE_MARGIN;
    Duration reusable = life.minus(margin);
    return reusable.isNegative() ? Duration.ZERO : reusable;
  }

  @Override
  public void close() {
    logouts.close();
    streams.close();
  }
}
