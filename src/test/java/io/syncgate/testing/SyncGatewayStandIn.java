package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plays Couchbase Sync Gateway, which cannot be installed here, following its published spec:
 * an Admin API (Basic auth; users and sessions) whose every request is checked against
 * {@code admin.yaml}, and a public API that authenticates as SG's does, renews sessions by SG's
 * sliding rule, and stores documents by streaming to a real PouchDB Server. Both answer as the
 * recorded SG 4.0.0 answers ({@link SyncGateway4ContractTest}, which lists where they cannot).
 *
 * <p>Tests read what it saw: {@link #adminRequests()}, {@link #publicRequests()} and
 * {@link #specViolations()}, which must stay empty. Syncgate's checks of each database
 * ({@code GET /{db}/} on the Admin API, on a schedule of its own) are kept apart, in
 * {@link #databaseChecks()}, so that what a client caused is all that {@code adminRequests()} shows.
 */
public final class SyncGatewayStandIn implements AutoCloseable {

  public static final String COOKIE_NAME = "SyncGatewaySession";
  public static final String ADMIN_USER = "syncgate-admin";
  public static final String ADMIN_PASSWORD = "stand-in-admin-password";
  /** SG 4.0.0 CE's {@code Server} header, as it sends it on both ports. */
  static final String SERVER = "Couchbase Sync Gateway/4.0 branch/ commit/ CE";

  /**
   * The Sync Gateway release the stand-in answers as, where releases differ in what Syncgate
   * reads (the README's "Sync Gateway versions" gives the sources).
   */
  public enum Version {
    /**
     * 3.1 to 3.3: revision trees only, so no current version ({@code _cv} in bodies, {@code cv} in
     * write answers and {@code _all_docs} rows): SG 4.0 brought version vectors.
     */
    V3,
    /** 4.0, as recorded ({@code sync-gateway-4.0-responses}). */
    V4
  }

  /** What one admin or public request looked like when it arrived. */
  public record Seen(String method, String uri, MultiMap headers, String body) {
    public boolean isWrite() {
      return !method.equals("GET") && !method.equals("HEAD");
    }
  }

  record User(String name, String password, boolean disabled, List<String> roles, List<String> channels,
      String email) {
    User(String name, String password, boolean disabled) {
      this(name, password, disabled, List.of(), List.of(), null);
    }
  }

  record Session(String id, String db, String user, Duration ttl, Instant expires) {}

  final Vertx vertx;
  final Clock clock;
  /** How far SG's clock runs ahead of the test's (machines' clocks differ). */
  private volatile Duration clockAhead = Duration.ZERO;
  final Set<String> databases;
  final URI documentStore;
  final Map<String, Map<String, User>> users = new ConcurrentHashMap<>();
  final Map<String, Session> sessions = new ConcurrentHashMap<>();
  /** Roles' {@code admin_channels}, per database. */
  final Map<String, Map<String, List<String>>> roles = new ConcurrentHashMap<>();
  /** Sessions ended one by one: SG answers a second DELETE of one 200, of an id it never had 404. */
  final Set<String> endedSessions = ConcurrentHashMap.newKeySet();
  /** Sessions ended with all of their user's: SG then calls their cookie "no longer valid for user". */
  final Set<String> invalidatedSessions = ConcurrentHashMap.newKeySet();
  final List<Seen> adminRequests = new CopyOnWriteArrayList<>();
  final List<Seen> databaseChecks = new CopyOnWriteArrayList<>();
  /** SG's {@code instance_start_time}: microseconds since the epoch. */
  final long startTime = System.currentTimeMillis() * 1000;
  final List<Seen> publicRequests = new CopyOnWriteArrayList<>();
  final List<String> violations = new CopyOnWriteArrayList<>();
  private volatile Version version = Version.V4;
  /** SG's attachment digests for the store's. */
  final StandInDigests digests = new StandInDigests(this);
  /** Channels, off until a test or the demo turns them on for a database. */
  final StandInChannels channels = new StandInChannels(this);
  private final SecureRandom random = new SecureRandom();
  private HttpServer admin;
  private HttpServer publicApi;
  private int publicPort;
  private int adminPort;
  /** While set, the Admin API accepts requests and never answers them (a hung SG). */
  volatile boolean adminHanging;
  final List<io.vertx.ext.web.RoutingContext> hung = new CopyOnWriteArrayList<>();
  final List<io.vertx.ext.web.RoutingContext> hungChecks = new CopyOnWriteArrayList<>();

  private SyncGatewayStandIn(Vertx vertx, Clock clock, Set<String> databases, URI documentStore) {
    this.vertx = vertx;
    this.clock = clock;
    this.databases = Set.copyOf(databases);
    this.documentStore = documentStore;
    databases.forEach(db -> {
      users.put(db, new ConcurrentHashMap<>());
      roles.put(db, new ConcurrentHashMap<>());
    });
  }

  /** Starts both listeners on 127.0.0.1 and free ports; {@code documentStore} already holds each database. */
  public static SyncGatewayStandIn start(Vertx vertx, Clock clock, Set<String> databases, URI documentStore) {
    return start(vertx, clock, databases, documentStore, 0, 0);
  }

  /** Starts on the given ports (Sync Gateway's own are 4984 public, 4985 admin). */
  public static SyncGatewayStandIn start(Vertx vertx, Clock clock, Set<String> databases, URI documentStore,
      int publicPort, int adminPort) {
    SyncGatewayStandIn standIn = new SyncGatewayStandIn(vertx, clock, databases, documentStore);
    standIn.admin = vertx.createHttpServer()
        .requestHandler(StandInAdminApi.router(standIn))
        .listen(adminPort, "127.0.0.1").await();
    standIn.adminPort = standIn.admin.actualPort();
    standIn.publicApi = vertx.createHttpServer(StandInPublicApi.options())
        .requestHandler(StandInPublicApi.router(standIn))
        .listen(publicPort, "127.0.0.1").await();
    standIn.publicPort = standIn.publicApi.actualPort();
    return standIn;
  }

  /** Sync Gateway's channels and sync function, per database: {@code channels().enable(db)}. */
  public StandInChannels channels() {
    return channels;
  }

  /** Answers as {@code release} from now on (4.0 until told). */
  public void answerAs(Version release) {
    version = release;
  }

  public Version version() {
    return version;
  }

  /** Whether answers carry SG 4's current versions ({@code _cv}, {@code cv}). */
  boolean currentVersions() {
    return version == Version.V4;
  }

  public URI adminUrl() {
    return URI.create("http://127.0.0.1:" + adminPort);
  }

  /** Makes the Admin API hang (accept, never answer) or answer again; hung requests are cut on release. */
  public void hangAdmin(boolean hanging) {
    adminHanging = hanging;
    if (!hanging) {
      for (List<io.vertx.ext.web.RoutingContext> held : List.of(hung, hungChecks)) {
        held.forEach(ctx -> ctx.request().connection().close());
        held.clear();
      }
    }
  }

  /** How many Admin API requests (database checks apart) are held unanswered while it hangs. */
  public int hungAdminRequests() {
    return hung.size();
  }

  /** How many database checks are held unanswered while it hangs. */
  public int hungDatabaseChecks() {
    return hungChecks.size();
  }

  /** Stops the Admin API's listener, as when SG's admin port is down. */
  public void stopAdmin() {
    admin.close().await();
  }

  /** Starts the Admin API's listener again, on the port it had. */
  public void startAdmin() {
    admin = vertx.createHttpServer().requestHandler(StandInAdminApi.router(this)).listen(adminPort, "127.0.0.1").await();
  }

  public URI publicUrl() {
    return URI.create("http://127.0.0.1:" + publicPort);
  }

  /** Kills the public API: its listener and every connection it has, as when SG's process dies. */
  public void stopPublic() throws java.util.concurrent.TimeoutException {
    publicApi.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Starts the public API again, on the port it had, as when SG is restarted. */
  public void startPublic() {
    try {
      publicApi = vertx.createHttpServer(StandInPublicApi.options()).requestHandler(StandInPublicApi.router(this))
          .listen(publicPort, "127.0.0.1").await(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the public API did not start again within 10 s", e);
    }
  }

  public List<Seen> adminRequests() {
    return List.copyOf(adminRequests);
  }

  /** Syncgate's checks of each database ({@code GET /{db}/} on the Admin API), each checked against the spec too. */
  public List<Seen> databaseChecks() {
    return List.copyOf(databaseChecks);
  }

  public List<Seen> adminWrites() {
    return adminRequests.stream().filter(Seen::isWrite).toList();
  }

  public List<Seen> publicRequests() {
    return List.copyOf(publicRequests);
  }

  /** Requests that did not conform to Sync Gateway's spec; a passing test leaves this empty. */
  public List<String> specViolations() {
    return List.copyOf(violations);
  }

  public boolean hasUser(String db, String name) {
    return users.get(db).containsKey(name);
  }

  /** A user's {@code admin_roles}, {@code admin_channels} and {@code email}, as SG's GET _user shows them. */
  public io.vertx.core.json.JsonObject user(String db, String name) {
    User user = users.get(db).get(name);
    return user == null ? null : new io.vertx.core.json.JsonObject().put("name", user.name())
        .put("admin_roles", user.roles()).put("admin_channels", user.channels()).put("email", user.email())
        .put("disabled", user.disabled());
  }

  /** Creates a user the way an operator would, outside Syncgate. */
  public void addUser(String db, String name, boolean disabled) {
    users.get(db).put(name, new User(name, "operator-set", disabled));
  }

  public void deleteUser(String db, String name) {
    users.get(db).remove(name);
  }

  /** Ends every session of {@code user}, as an operator or SG's own expiry would. */
  public void deleteSessionsOf(String user) {
    sessions.values().stream().filter(s -> s.user().equals(user)).toList().forEach(this::invalidate);
  }

  /** Ends a session as SG's {@code DELETE _user/{name}/_session} does. */
  void invalidate(Session session) {
    if (sessions.remove(session.id()) != null) {
      invalidatedSessions.add(session.id());
    }
  }

  /** Sets SG's clock this far ahead of the test's, as when its machine's clock is wrong. */
  public void clockAhead(Duration ahead) {
    clockAhead = ahead;
  }

  /** SG's own time. */
  Instant now() {
    return clock.instant().plus(clockAhead);
  }

  /** Opens a session the way an app server would through the Admin API, answering its id. */
  public String openSession(String db, String user, Duration ttl) {
    users.get(db).putIfAbsent(user, new User(user, "operator-set", false));
    Session session = new Session(newSessionId(), db, user, ttl, now().plus(ttl));
    sessions.put(session.id(), session);
    return session.id();
  }

  public int sessionCount(String user) {
    return (int) sessions.values().stream().filter(s -> s.user().equals(user)).count();
  }

  public void forgetRequests() {
    adminRequests.clear();
    databaseChecks.clear();
    publicRequests.clear();
  }

  String newSessionId() {
    byte[] bytes = new byte[20];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * For the stand-in's connections to PouchDB Server: idle ones are let go after 2 s, before
   * Node's 5 s keep-alive timeout closes them under a request sent at that moment.
   */
  static io.vertx.core.http.HttpClientOptions storeClientOptions() {
    return new io.vertx.core.http.HttpClientOptions().setKeepAliveTimeout(2);
  }

  static Seen seen(HttpServerRequest request, String body) {
    return new Seen(request.method().name(), request.uri(),
        MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body);
  }

  @Override
  public void close() {
    Future.join(admin.close(), publicApi.close()).await();
  }
}
