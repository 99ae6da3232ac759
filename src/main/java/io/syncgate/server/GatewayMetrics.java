package io.syncgate.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.syncgate.guard.ConnectionGuard;
import io.syncgate.proxy.EventLoopStreams;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What Prometheus scrapes from the management port ({@code GET /metrics}): requests by route
 * class and status, sign-ins by outcome, open connections, feeds and WebSockets, refusals at the
 * connection cap, and the JVM's memory, GC, threads, CPU and descriptors. The other parts record
 * their own meters in the same registry (sessions, key fetches, backend latency). Counting a
 * request is two array lookups and an add, so the benchmark runs with metrics on.
 */
final class GatewayMetrics implements AutoCloseable {

  /** Route classes: what a request is for, whatever its path. */
  enum Route { SIGN_IN, SIGN_OUT, PREFLIGHT, FEED, WEBSOCKET, REPLICATION, OTHER }

  private static final String[] STATUS = {"closed", "1xx", "2xx", "3xx", "4xx", "5xx"};
  private static final Pattern STREAMING_FEED = Pattern.compile("(?:^|&)feed=(?:longpoll|continuous|websocket)(?:&|$)");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  /** [route][status class], 0 for a connection that closed before its answer. */
  private final Counter[][] requests = new Counter[Route.values().length][STATUS.length];
  private final Counter[] signIns = new Counter[STATUS.length];
  private final List<EventLoopStreams> streams = new CopyOnWriteArrayList<>();
  private final String base;
  /** The sign-in and sign-out paths, {@code {base}/{db}/_session} of each database served. */
  private final Set<String> sessionPaths;

  GatewayMetrics(String basePath, List<String> databases, ConnectionGuard guard) {
    this.base = basePath + "/";
    this.sessionPaths = databases.stream().map(db -> base + db + "/_session").collect(Collectors.toUnmodifiableSet());
    for (Route route : Route.values()) {
      for (int status = 0; status < STATUS.length; status++) {
        requests[route.ordinal()][status] = Counter.builder("syncgate.requests")
            .description("Public requests answered, by what they were for and the status class of the answer")
            .tag("route", route.name().toLowerCase(Locale.ROOT)).tag("status", STATUS[status])
            .register(registry);
      }
    }
    String[] outcomes = {"closed", "other", "ok", "other", "refused", "failed"};
    for (int status = 0; status < STATUS.length; status++) {
      signIns[status] = Counter.builder("syncgate.sign_ins")
          .description("Sign-ins (POST {db}/_session, _signin) by outcome")
          .tag("outcome", outcomes[status]).register(registry);
    }
    Gauge.builder("syncgate.connections.open", guard, ConnectionGuard::open)
        .description("Client connections open").register(registry);
    Gauge.builder("syncgate.connections.max", guard, ConnectionGuard::maxConnections)
        .description("Client connections this instance holds at most (listen.max_connections)").register(registry);
    FunctionCounter.builder("syncgate.connections.refused", guard, ConnectionGuard::refused)
        .description("Connections refused with 503 at the connection cap").register(registry);
    Gauge.builder("syncgate.feeds.open", streams, all -> all.stream().mapToInt(EventLoopStreams::feeds).sum())
        .description("Long-poll and continuous _changes feeds open").register(registry);
    Gauge.builder("syncgate.websockets.open", streams, all -> all.stream().mapToInt(EventLoopStreams::webSockets).sum())
        .description("WebSockets (_blipsync, _changes?feed=websocket) open").register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  /** The text Prometheus reads. */
  String scrape() {
    return registry.scrape();
  }

  /** Counts one event loop's feeds and WebSockets in the gauges. */
  void watch(EventLoopStreams loop) {
    streams.add(loop);
  }

  /** Counts {@code ctx}'s request once its answer is done, or its connection closed first. */
  void count(RoutingContext ctx) {
    Route route = route(ctx.request());
    ctx.addEndHandler(ended -> {
      int status = ended.succeeded() ? Math.min(Math.max(ctx.response().getStatusCode() / 100, 1), 5) : 0;
      requests[route.ordinal()][status].increment();
      if (route == Route.SIGN_IN) {
        signIn(ctx.response().getStatusCode(), status);
      }
    });
  }

  private void signIn(int code, int statusClass) {
    // The refusals that matter to an operator, apart: bad tokens, refused users, rate limits.
    switch (code) {
      case 401 -> registry.counter("syncgate.sign_ins", "outcome", "invalid_token").increment();
      case 403 -> registry.counter("syncgate.sign_ins", "outcome", "forbidden").increment();
      case 429 -> registry.counter("syncgate.sign_ins", "outcome", "rate_limited").increment();
      default -> signIns[statusClass].increment();
    }
  }

  private Route route(HttpServerRequest request) {
    HttpMethod method = request.method();
    String path = request.path();
    if (method == HttpMethod.OPTIONS && request.getHeader("access-control-request-method") != null) {
      return Route.PREFLIGHT;
    }
    if (sessionPaths.contains(path) && (method == HttpMethod.POST || method == HttpMethod.DELETE)) {
      return method == HttpMethod.POST ? Route.SIGN_IN : Route.SIGN_OUT;
    }
    if (path.startsWith(base + "_signin/")) {
      return Route.SIGN_IN;
    }
    if (!path.startsWith(base) || path.length() == base.length()) {
      return Route.OTHER;
    }
    if (request.getHeader("upgrade") != null && request.canUpgradeToWebSocket()) {
      return Route.WEBSOCKET;
    }
    String query = request.query();
    if (query != null && path.endsWith("/_changes") && STREAMING_FEED.matcher(query).find()) {
      return Route.FEED;
    }
    return Route.REPLICATION;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
