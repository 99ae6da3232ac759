package io.syncgate.server;

import io.syncgate.backend.syncgateway.SyncGatewayBackend;
import io.syncgate.config.SyncGatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Sync Gateway serves Syncgate, for readiness: its Admin API is asked about each database
 * at start and then every {@code sync_gateway.check_interval}, one check after the other, through
 * a connection of its own. The first answer turns the instance ready; only
 * {@link #FAILURES_TO_UNREADY} failed checks in a row turn it unready again, so one slow answer
 * does not make it flap. Never ready before SG has answered once.
 */
final class BackendReadiness {

  static final int FAILURES_TO_UNREADY = 3;

  private static final Logger log = LoggerFactory.getLogger(BackendReadiness.class);

  /** What readiness shows of Sync Gateway. */
  record State(boolean ready, int failedChecks, String problem) {}

  private final Vertx vertx;
  private final WebClientOptions options;
  private final SyncGatewayConfig config;
  private WebClient web;
  private State state = new State(false, 0, "not checked yet");
  private boolean checkedOnce;
  private boolean closed;
  private long timer = -1;

  BackendReadiness(Vertx vertx, SyncGatewayConfig config, WebClientOptions options) {
    this.vertx = vertx;
    this.config = config;
    this.options = options;
  }

  /** Runs the first check now and the next ones on their schedule. */
  synchronized void start() {
    // A client of its own, with one connection: checks never take one a sign-in needs.
    web = WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(1));
    check();
  }

  synchronized State state() {
    return state;
  }

  synchronized void close() {
    closed = true;
    vertx.cancelTimer(timer);
    if (web != null) {
      web.close();
    }
  }

  private void check() {
    SyncGatewayBackend.check(web, config)
        .recover(e -> Future.succeededFuture(List.of("Sync Gateway's admin API: " + e)))
        .onSuccess(this::record)
        .onComplete(done -> {
          synchronized (this) {
            if (!closed) {
              timer = vertx.setTimer(config.checkInterval().toMillis(), id -> check());
            }
          }
        });
  }

  private synchronized void record(List<String> problems) {
    if (closed) {
      return;
    }
    State was = state;
    if (problems.isEmpty()) {
      state = new State(true, 0, null);
      if (!was.ready()) {
        log.info("Sync Gateway serves {} to Syncgate's admin credentials{}", config.databases(),
            checkedOnce ? " again: ready" : "");
      } else if (was.failedChecks() > 0) {
        log.info("Sync Gateway answers again, after {} failed check{}", was.failedChecks(),
            was.failedChecks() == 1 ? "" : "s");
      }
    } else {
      int failed = was.failedChecks() + 1;
      String problem = String.join("; ", problems);
      boolean ready = was.ready() && failed < FAILURES_TO_UNREADY;
      state = new State(ready, failed, problem);
      if (!checkedOnce) {
        // SG may come up after Syncgate: the start goes on, unready until SG answers.
        problems.forEach(line -> log.error("{}. Syncgate starts, and is not ready until Sync Gateway answers", line));
      } else if (was.ready() && !ready) {
        log.error("not ready: {} checks of Sync Gateway failed in a row: {}", failed, problem);
      } else if (ready) {
        log.warn("a check of Sync Gateway failed ({} in a row; not ready at {}): {}", failed, FAILURES_TO_UNREADY,
            problem);
      }
    }
    checkedOnce = true;
  }
}
