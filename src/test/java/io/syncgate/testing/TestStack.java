package io.syncgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.config.ConfigException;
import io.syncgate.config.ConfigLoader;
import io.syncgate.config.SyncgateConfig;
import io.syncgate.server.Syncgate;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The whole test stack on 127.0.0.1 and free ports: the identity provider, PouchDB Server, the
 * Sync Gateway stand-in in front of it, and Syncgate in front of that, all on one movable clock.
 * Syncgate is configured through the real loader, from YAML plus environment overrides.
 *
 * <p>As a JUnit extension ({@code @RegisterExtension static final TestStack stack = TestStack.forClass()})
 * it serves a whole test class: each test starts with the stand-in's records cleared, ends by
 * checking that every request Sync Gateway received conformed to its spec, and the stack stops
 * after the last test.
 */
public final class TestStack implements AutoCloseable, BeforeEachCallback, AfterEachCallback, AfterAllCallback {

  public static final String DB = "todo";
  public static final String OTHER_DB = "notes";
  public static final String ISSUER_ID = "app-issuer";
  public static final String AUDIENCE = "syncgate-app";
  public static final String BASE = "/sync";
  /** Every Syncgate of the stack signs cookie sessions alike, as instances behind one balancer do. */
  public static final String COOKIE_SECRET = "test-stack-cookie-secret-0123456789abcdef";

  public final Vertx vertx = Vertx.vertx();
  public final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  public final TestIdentityProvider idp;
  public final PouchDbServer store;
  public final SyncGatewayStandIn sg;
  public final Http http;
  private Syncgate syncgate;
  private Map<String, String> defaults = Map.of();

  private TestStack() throws Exception {
    idp = TestIdentityProvider.start("RS256", clock, Map.of(ISSUER_ID, AUDIENCE));
    store = PouchDbServer.start();
    store.createDatabase(DB);
    store.createDatabase(OTHER_DB);
    sg = SyncGatewayStandIn.start(vertx, clock, Set.of(DB, OTHER_DB), store.url());
    http = new Http(vertx);
  }

  /** A stack for one test class, to register as an extension. */
  public static TestStack forClass() {
    return forClass(Map.of());
  }

  /** A stack for one test class whose Syncgate has {@code env} overriding configuration keys. */
  public static TestStack forClass(Map<String, String> env) {
    try {
      return start(env);
    } catch (Exception e) {
      throw new IllegalStateException("the test stack did not start", e);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    sg.forgetRequests();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertThat(sg.specViolations()).as("requests that Sync Gateway's spec does not allow").isEmpty();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  /** The identity provider, PouchDB Server and the stand-in, for a Syncgate run elsewhere (as a process). */
  public static TestStack backendsOnly() throws Exception {
    return new TestStack();
  }

  /** The stack with Syncgate running on its default test configuration. */
  public static TestStack start() throws Exception {
    return start(Map.of());
  }

  /** The stack with Syncgate running, {@code env} overriding configuration keys. */
  public static TestStack start(Map<String, String> env) throws Exception {
    TestStack stack = new TestStack();
    stack.defaults = Map.copyOf(env);
    stack.restartSyncgate(Map.of());
    return stack;
  }

  public String yaml() {
    return yaml(0, idp.issuer(ISSUER_ID), AUDIENCE, sg, List.of(DB, OTHER_DB)).replace("session:\n",
        "session:\n  max_ttl: 1h\n  revalidate_interval: 1s\n") + "shutdown:\n  drain_timeout: 2s\n";
  }

  /**
   * Syncgate's configuration in front of {@code sg}, on loopback and plain HTTP (so cookies are
   * not Secure); the admin password is left to {@code SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD}.
   */
  public static String yaml(int port, String issuer, String audience, SyncGatewayStandIn sg, List<String> databases) {
    return """
        listen:
          host: 127.0.0.1
          port: %d
          base_path: %s
        management:
          host: 127.0.0.1
          port: 0
        oidc:
          issuer: %s
          audiences: [%s]
        sync_gateway:
          public_url: %s
          admin_url: %s
          admin_username: %s
          databases: [%s]
        cookie:
          secure: false
        session:
          cookie_secret: %s
        """.formatted(port, BASE, issuer, audience, sg.publicUrl(), sg.adminUrl(), SyncGatewayStandIn.ADMIN_USER,
        String.join(", ", databases), COOKIE_SECRET);
  }

  public SyncgateConfig config(Map<String, String> env) throws ConfigException {
    Map<String, String> all = new HashMap<>(defaults);
    all.putAll(env);
    all.putIfAbsent("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
    return ConfigLoader.parse(yaml(), all);
  }

  /** Restarts Syncgate on the test configuration as {@code change} rewrites it. */
  public void restartSyncgate(java.util.function.UnaryOperator<String> change) throws ConfigException {
    if (syncgate != null) {
      syncgate.close().await();
    }
    Map<String, String> all = new HashMap<>(defaults);
    all.putIfAbsent("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
    syncgate = Syncgate.start(vertx, ConfigLoader.parse(change.apply(yaml()), all), clock).await();
  }

  public void restartSyncgate(Map<String, String> env) throws ConfigException {
    if (syncgate != null) {
      syncgate.close().await();
    }
    syncgate = Syncgate.start(vertx, config(env), clock).await();
  }

  public Syncgate syncgate() {
    return syncgate;
  }

  public int port() {
    return syncgate.publicPort();
  }

  /**
   * Opens a Couchbase Lite style WebSocket ({@code _blipsync} of the database {@code todo}, BLIP
   * offered) with {@code headers}; {@code closed} turns true when it closes.
   */
  public void openBlipSocket(WebSocketClient client, Map<String, String> headers, AtomicBoolean closed) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port())
        .setURI(BASE + "/" + DB + "/_blipsync").addSubProtocol("BLIP_3+CBMobile_3");
    headers.forEach(options::addHeader);
    Promise<Void> open = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> client.connect(options)
        .onSuccess(socket -> {
          socket.closeHandler(x -> closed.set(true));
          open.complete();
        })
        .onFailure(open::fail));
    open.future().await();
  }

  /** Syncgate's URL for a database, as clients use it. */
  public String url(String db) {
    return "http://127.0.0.1:" + port() + BASE + "/" + db;
  }

  public String token(String subject) {
    return idp.token(ISSUER_ID, subject, AUDIENCE, 3600);
  }

  @Override
  public void close() throws Exception {
    try {
      if (syncgate != null) {
        syncgate.close().await();
      }
      http.close();
      sg.close();
    } finally {
      try {
        store.close();
      } finally {
        idp.close();
        vertx.close().await();
      }
    }
  }
}
