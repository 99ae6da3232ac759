package io.syncgate.testing;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.syncgate.backend.syncgateway.SyncGatewayBackend;
import io.syncgate.config.Provisioning;
import io.syncgate.config.SyncGatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stand-in's Admin API alone (no document store behind it), and Syncgate's
 * {@link SyncGatewayBackend} in front of it over a real socket: what the unit tests of the
 * {@code backend} and {@code session} packages run against, without a whole {@link TestStack}.
 */
public final class StandInBackend implements AutoCloseable {

  private final Vertx vertx;
  private final SyncGatewayStandIn sg;
  private final WebClient web;
  private final List<String> databases;

  private StandInBackend(Vertx vertx, SyncGatewayStandIn sg, List<String> databases) {
    this.vertx = vertx;
    this.sg = sg;
    this.web = WebClient.create(vertx);
    this.databases = databases;
  }

  /** Starts a Vert.x and a stand-in serving {@code databases}, on {@code clock}. */
  public static StandInBackend start(Clock clock, String... databases) {
    Vertx vertx = Vertx.vertx();
    // Nothing listens there: the Admin API never reaches the document store.
    SyncGatewayStandIn sg = SyncGatewayStandIn.start(vertx, clock, Set.of(databases), URI.create("http://127.0.0.1:9"));
    return new StandInBackend(vertx, sg, List.of(databases));
  }

  public Vertx vertx() {
    return vertx;
  }

  public SyncGatewayStandIn sg() {
    return sg;
  }

  public WebClient web() {
    return web;
  }

  /** Syncgate's settings for the stand-in: its admin credentials, every database, short timeouts. */
  public SyncGatewayConfig config() {
    return config(sg.adminUrl(), SyncGatewayStandIn.ADMIN_PASSWORD, databases, Duration.ofSeconds(5));
  }

  /** Settings that differ in where the Admin API is, the password Syncgate presents, its databases or its patience. */
  public SyncGatewayConfig config(URI adminUrl, String adminPassword, List<String> databases, Duration adminTimeout) {
    return new SyncGatewayConfig(sg.publicUrl(), adminUrl, SyncGatewayStandIn.ADMIN_USER, adminPassword, databases,
        SyncGatewayStandIn.COOKIE_NAME, Duration.ofSeconds(2), adminTimeout, Duration.ofSeconds(60), 0,
        Duration.ofSeconds(2), 4, Duration.ofSeconds(10));
  }

  public SyncGatewayBackend backend(Map<String, Provisioning> provisioning) {
    return backend(config(), provisioning);
  }

  public SyncGatewayBackend backend(SyncGatewayConfig config, Map<String, Provisioning> provisioning) {
    return new SyncGatewayBackend(web, config, provisioning, Timer.builder("admin").register(new SimpleMeterRegistry()));
  }

  @Override
  public void close() {
    web.close();
    sg.close();
    vertx.close().await();
  }
}
