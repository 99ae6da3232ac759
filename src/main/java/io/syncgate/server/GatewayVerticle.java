package io.syncgate.server;

import io.syncgate.config.SyncgateConfig;
import io.syncgate.guard.ConnectionGuard;
import io.syncgate.pouchdb.PouchDbCompatibility;
import io.syncgate.proxy.Forwarder;
import io.syncgate.proxy.EventLoopStreams;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's share of the public listener: its own router and its own connection pool to
 * the backend, so a request and its forwarded twin stay on one thread. Shared, thread-safe parts
 * (token verification, sessions, the connection guard) come in through {@link Shared}.
 */
final class GatewayVerticle extends VerticleBase {

  record Shared(SyncgateConfig config, SignIn signIn, SignOut signOut, BackchannelLogout logout,
      Authenticator authenticator, Sessions sessions,
      ConnectionGuard guard, int backendConnections, GatewayMetrics metrics) {}

  private final Shared shared;
  private final int port;
  private final EventLoopStreams streams = new EventLoopStreams();
  private HttpServer server;

  GatewayVerticle(Shared shared, int port) {
    this.shared = shared;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    SyncgateConfig config = shared.config();
    var backend = config.syncGateway();
    var client = vertx.createHttpClient(
        new HttpClientOptions()
            .setConnectTimeout((int) backend.connectTimeout().toMillis())
            .setKeepAlive(true)
            .setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(shared.backendConnections()));
    Forwarder forwarder = new Forwarder(client, backend.publicUrl(), backend.poolWaitTimeout(), backend.requestTimeout(),
        shared.sessions(), new PouchDbCompatibility(config.pouchDb()), streams, shared.metrics().registry());
    shared.metrics().watch(streams);
    var router = GatewayRouter.create(vertx, config, shared.signIn(), shared.signOut(), shared.logout(),
        shared.authenticator(), forwarder,
        shared.metrics());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.listen().host())
        .setPort(port)
        // HTTP/1.1 only: ending one feed closes its connection, which under h2c would end every
        // other stream multiplexed on it.
        .setHttp2ClearTextEnabled(false)
        // The request line is the URL plus the method and version around it.
        .setMaxInitialLineLength(config.inbound().maxUrlLength() + 32)
        .setMaxHeaderSize(config.inbound().maxHeaderBytes());
    server = vertx.createHttpServer(options);
    return server
        .connectionHandler(connection -> shared.guard().accept(connection, options))
        .requestHandler(router)
        .invalidRequestHandler(InvalidRequests::answer)
        .exceptionHandler(failure -> {
          // A connection's Error (out of memory in a decoder, say) is the process's, not the connection's.
          if (failure instanceof Error && vertx.exceptionHandler() != null) {
            vertx.exceptionHandler().handle(failure);
          }
        })
        .listen();
  }

  /**
   * Stops accepting, ends this loop's feeds and WebSockets cleanly, and gives ordinary requests
   * the drain timeout to finish; their connections close as they do, the rest after it.
   */
  @Override
  public Future<?> stop() {
    Future<Void> shutdown = server.shutdown(shared.config().shutdown().drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    streams.endAll();
    return shutdown;
  }

  int actualPort() {
    return server.actualPort();
  }

  /** The event loop this listener's requests run on. */
  io.vertx.core.Context eventLoop() {
    return context;
  }
}
