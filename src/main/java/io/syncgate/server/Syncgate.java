package io.syncgate.server;

import io.syncgate.backend.syncgateway.SyncGatewayBackend;
import io.syncgate.config.SyncgateConfig;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.syncgate.guard.ConnectionGuard;
import io.syncgate.identity.LogoutTokens;
import io.syncgate.identity.TokenVerifier;
import io.syncgate.proxy.Forwarder;
import io.syncgate.session.Sessions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Syncgate: the public listener on every event loop and the management listener.
 * Wires the parts by constructor; {@link GatewayRouter} says where each request goes.
 */
public final class Syncgate {

  private static final Logger log = LoggerFactory.getLogger(Syncgate.class);

  private final Vertx vertx;
  private final List<WebClient> clients;
  private final Sessions sessions;
  private final int publicPort;
  private final HttpServer management;
  /** The management server's own Vert.x instance, with one event loop no listener shares. */
  private final Vertx managementLoop;
  private final String deployment;
  private final AtomicBoolean stopping;
  private final ConnectionGuard guard;
  private final Duration drainTimeout;
  private final GatewayMetrics metrics;
  private final EventLoopWatch watch;
  private final BackendReadiness backend;
  /** The stop, once begun: closing twice waits for the one stop. */
  private Future<Void> closed;

  private Syncgate(Vertx vertx, List<WebClient> clients, Sessions sessions, int publicPort, HttpServer management,
      Vertx managementLoop, String deployment, AtomicBoolean stopping, ConnectionGuard guard, Duration drainTimeout, GatewayMetrics metrics,
      EventLoopWatch watch, BackendReadiness backend) {
    this.metrics = metrics;
    this.watch = watch;
    this.backend = backend;
    this.vertx = vertx;
    this.clients = clients;
    this.sessions = sessions;
    this.publicPort = publicPort;
    this.management = management;
    this.managementLoop = managementLoop;
    this.deployment = deployment;
    this.stopping = stopping;
    this.guard = guard;
    this.drainTimeout = drainTimeout;
  }

  public static Future<Syncgate> start(Vertx vertx, SyncgateConfig config, Clock clock) {
    int loops = Runtime.getRuntime().availableProcessors();
    Capacity capacity = Capacity.plan(config.inbound(), config.syncGateway());
    log.info("capacity: {} client connections, {} to Sync Gateway ({} per event loop); open-file limit {}",
        capacity.clientConnections(), capacity.backendConnections(), capacity.backendConnectionsPerLoop(loops),
        capacity.openFileLimit());
    ConnectionGuard guard = new ConnectionGuard(config.inbound(), capacity.clientConnections());
    GatewayMetrics metrics = new GatewayMetrics(config.basePath(), config.syncGateway().databases(), guard);
    WebClient web = WebClient.create(vertx, clientOptions(config));
    TokenVerifier verifier = new TokenVerifier(web, config.issuers(), clock, metrics.registry(),
        config.failedVerificationsPerClientPerMinute());
    // The Admin API gets a small pool of its own: sign-ins never queue behind key fetches.
    WebClient admin = WebClient.create(vertx, clientOptions(config),
        new PoolOptions().setHttp1MaxSize(config.syncGateway().adminMaxConnections()));
    Timer adminLatency = Timer.builder("syncgate.backend.latency")
        .description("Time from a request sent to the backend to its answer's head; feeds and WebSockets apart")
        .tag("api", "admin").serviceLevelObjectives(Forwarder.LATENCY_BUCKETS).register(metrics.registry());
    // The provider-logout list is read every few seconds, in the background: through a connection
    // of its own, so that it never takes one a sign-in waits for.
    WebClient logoutList = WebClient.create(vertx, clientOptions(config), new PoolOptions().setHttp1MaxSize(1));
    Sessions sessions = new Sessions(vertx,
        new SyncGatewayBackend(admin, config.syncGateway(), config.provisioning(), adminLatency),
        new SyncGatewayBackend(logoutList, config.syncGateway(), config.provisioning(), adminLatency), config.session(),
        config.cookie(), config.basePath(), config.syncGateway().databases(), cookieSecrets(config), clock,
        metrics.registry());
    List<String> databases = config.syncGateway().databases();
    AtomicBoolean stopping = new AtomicBoolean();
    var endpoints = new SessionEndpoints(verifier, sessions, config.basePath(), databases,
        config.inbound().maxBodyBytes());
    var shared = new GatewayVerticle.Shared(
        config,
        new SignIn(endpoints),
        new SignOut(endpoints),
        new BackchannelLogout(new LogoutTokens(verifier), sessions, config.inbound().maxBodyBytes(), clock),
        new Authenticator(verifier, sessions, config.access()),
        sessions,
        guard,
        capacity.backendConnectionsPerLoop(loops),
        metrics);

    verifier.loadKeys().onFailure(e -> log.warn("not ready: {}", e.getMessage()));
    BackendReadiness backend = new BackendReadiness(vertx, config.syncGateway(), clientOptions(config));

    // Every event loop gets a listener; Vert.x shares one socket among them. A configured port
    // of 0 becomes -1, Vert.x's "one random port, shared" (0 would bind each to its own port).
    int port = config.listen().port() == 0 ? -1 : config.listen().port();
    List<GatewayVerticle> listeners = new CopyOnWriteArrayList<>();
    // The management server gets an event loop of its own, in a Vert.x instance of its own: on a
    // listener's loop (Vert.x hands loops out in turn), a bug blocking that loop would make
    // /healthz hang instead of answering why the process is unhealthy.
    Vertx managementLoop = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    managementLoop.exceptionHandler(vertx.exceptionHandler());
    return vertx.deployVerticle(() -> {
          GatewayVerticle listener = new GatewayVerticle(shared, port);
          listeners.add(listener);
          return listener;
        }, new DeploymentOptions().setInstances(loops))
        .compose(deployment -> {
          EventLoopWatch watch = new EventLoopWatch(listeners.stream().map(GatewayVerticle::eventLoop).toList(),
              config.eventLoopBlockedTimeout());
          return ManagementServer.start(managementLoop, config.management(), verifier, backend, stopping::get, metrics,
                watch::blocked)
            .onFailure(e -> watch.close())
            .map(management -> {
              // Started here, on this context, rather than from the caller's thread, where its
              // client would take an event loop of its own and move the listeners' and management's along.
              backend.start();
              int actualPort = listeners.get(0).actualPort();
              log.info("Syncgate serves {} on {}:{}{}/, management on {}:{}", config.syncGateway().databases(),
                  config.listen().host(), actualPort, config.basePath(), config.management().host(),
                  management.actualPort());
              return new Syncgate(vertx, List.of(web, admin, logoutList), sessions, actualPort, management, managementLoop,
                  deployment, stopping,
                  guard, config.shutdown().drainTimeout(), metrics, watch, backend);
            });
        })
        .onFailure(e -> {
          backend.close();
          managementLoop.close();
        });
  }

  /**
   * What {@code --check-config --connect} reports, without starting anything: each identity
   * provider's signing keys fetched once, and each database asked about once at Sync Gateway's
   * Admin API with Syncgate's credentials. Empty when every one answers.
   */
  public static Future<List<String>> checkConnections(Vertx vertx, SyncgateConfig config) {
    WebClient web = WebClient.create(vertx, clientOptions(config));
    List<Future<String>> issuers = config.issuers().stream().map(issuer -> {
      TokenVerifier keys = new TokenVerifier(web, issuer, Clock.systemUTC(), new SimpleMeterRegistry());
      return keys.loadKeys().map(loaded -> (String) null).otherwise(e -> "identity provider " + issuer.issuer()
          + ": cannot load its signing keys: " + e.getMessage());
    }).toList();
    Future<List<String>> syncGateway = SyncGatewayBackend.check(web, config.syncGateway());
    return Future.join(Future.join(issuers), syncGateway).map(all -> {
      List<String> problems = new ArrayList<>();
      issuers.stream().map(Future::result).filter(Objects::nonNull).forEach(problems::add);
      problems.addAll(syncGateway.result());
      return problems;
    }).onComplete(done -> web.close());
  }

  private static WebClientOptions clientOptions(SyncgateConfig config) {
    return new WebClientOptions()
        .setUserAgent("Syncgate")
        .setConnectTimeout((int) config.syncGateway().connectTimeout().toMillis())
        .setFollowRedirects(false);
  }

  public int publicPort() {
    return publicPort;
  }

  public int managementPort() {
    return management.actualPort();
  }

  /** The event loops that serve clients, one per listener (for tests that must block one). */
  List<io.vertx.core.Context> eventLoops() {
    return watch.loops();
  }

  /** Client connections open now. */
  public int openConnections() {
    return guard.open();
  }

  /**
   * Stops gracefully: readiness turns false at once; the public listener stops accepting; feeds
   * and WebSockets end cleanly; ordinary requests get {@code shutdown.drain_timeout} to finish.
   * The Vert.x instance stays the caller's. Closing again waits for the same stop.
   */
  public synchronized Future<Void> close() {
    if (closed != null) {
      return closed;
    }
    closed = stop();
    return closed;
  }

  private Future<Void> stop() {
    stopping.set(true);
    log.info("stopping: no longer ready; feeds and WebSockets end now, other requests get at most {} ms",
        drainTimeout.toMillis());
    return vertx.undeploy(deployment)
        .eventually(() -> management.close())
        .eventually(() -> managementLoop.close())
        .onComplete(v -> {
          sessions.close();
          watch.close();
          backend.close();
          clients.forEach(WebClient::close);
          metrics.close();
        });
  }

  /**
   * The configured cookie secrets; without one, a random secret for this process, which signs
   * everyone out at a restart and cannot be shared by several instances.
   */
  private static List<String> cookieSecrets(SyncgateConfig config) {
    if (!config.session().cookieSecrets().isEmpty()) {
      return config.session().cookieSecrets();
    }
    log.warn("session.cookie_secret is not set: cookie sessions are signed with a random secret of this process,"
        + " so they end at a restart and do not work across instances");
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return List.of(HexFormat.of().formatHex(random));
  }
}
