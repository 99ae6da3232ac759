package io.syncgate.proxy;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.syncgate.pouchdb.PouchDbCompatibility;
import io.syncgate.session.OpenStreams;
import io.syncgate.session.SessionRef;
import io.syncgate.session.Sessions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import io.vertx.httpproxy.ProxyOptions;
import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Streams an authenticated request to the backend's public port and its response back, through
 * vertx-http-proxy: bodies flow with back-pressure and are never buffered, and long-poll or
 * continuous feeds stay open as long as the backend keeps them. Three links shape the exchange,
 * outermost first: origin failures become JSON, outbound headers are made safe, inbound headers
 * are made fit for the client; a fourth makes replication reads fit for PouchDB
 * ({@link PouchDbCompatibility}). Feeds and WebSockets that run on a session are registered
 * with {@link OpenStreams}, which ends them when the session's access ends.
 */
public final class Forwarder {

  private static final Set<String> STREAMING_FEEDS = Set.of("longpoll", "continuous", "websocket");

  private final HttpClient client;
  private final RequestOptions origin;
  private final String originPath;
  private final Sessions sessions;
  private final PouchDbCompatibility pouchDb;
  private final ProxyOptions options = new ProxyOptions().setSupportWebSocket(true);

  public Forwarder(HttpClient client, URI publicUrl, java.time.Duration poolWait, Sessions sessions,
      PouchDbCompatibility pouchDb) {
    this.client = client;
    boolean tls = publicUrl.getScheme().equals("https");
    // A request waits at most poolWait for one of the pool's connections, never forever.
    this.origin = new RequestOptions()
        .setConnectTimeout(poolWait.toMillis())
        .setHost(publicUrl.getHost())
        .setPort(publicUrl.getPort() != -1 ? publicUrl.getPort() : tls ? 443 : 80)
        .setSsl(tls);
    this.originPath = publicUrl.getRawPath() == null ? "" : publicUrl.getRawPath();
    this.sessions = sessions;
    this.pouchDb = pouchDb;
  }

  /** A fresh copy of the origin's options per request (the copy constructor drops the connect timeout). */
  private RequestOptions originRequest() {
    return new RequestOptions()
        .setHost(origin.getHost())
        .setPort(origin.getPort())
        .setSsl(origin.isSsl())
        .setConnectTimeout(origin.getConnectTimeout());
  }

  public void forward(HttpServerRequest request, Outbound outbound) {
    if (request.response().closed()) {
      // The client left while it was being authenticated: nothing to send, nothing to track.
      return;
    }
    boolean feed = isStreamingFeed(outbound.uri());
    HttpProxy proxy = HttpProxy.reverseProxy(options, client)
        .origin(context -> context.client().request(originRequest()));
    if (outbound.credential() instanceof Outbound.Session && (isChanges(outbound.uri()) || isWebSocket(request))) {
      proxy.addInterceptor(new StreamTracking(request, sessions.streams()), true);
    }
    if (feed) {
      proxy.addInterceptor(new FeedHead(request.response()));
    }
    proxy.addInterceptor(new OriginFailures(), true)
        .addInterceptor(new OutboundHeaders(outbound, originPath, sessions), true)
        .addInterceptor(new InboundHeaders(outbound, sessions), true);
    ProxyInterceptor replicationReads = pouchDb.interceptorFor(request.method(), outbound.uri());
    if (replicationReads != null) {
      proxy.addInterceptor(replicationReads);
    }
    proxy.handle(request);
  }

  private static boolean isWebSocket(HttpServerRequest request) {
    return "websocket".equalsIgnoreCase(request.getHeader("upgrade"));
  }

  /**
   * Registers a feed or WebSocket with {@link OpenStreams} as it is sent — a long-poll's answer
   * may not begin until it ends — on the session it is sent with; {@link OutboundHeaders} moves
   * the registration if it replaces a stale session. Every {@code _changes} counts: a POST names
   * its feed in the body, which is not read here.
   */
  private record StreamTracking(HttpServerRequest request, OpenStreams streams) implements ProxyInterceptor {
    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      Future<ProxyResponse> sent = context.sendRequest();
      // The links after this one have run up to the send: the session is known.
      SessionRef session = context.get(OutboundHeaders.SESSION, SessionRef.class);
      if (session != null && !request.response().closed()) {
        OpenStreams.Registration registration = streams.register(session, () -> request.connection().close());
        context.set(OutboundHeaders.REGISTRATION, registration);
        HttpServerResponse response = request.response();
        response.endHandler(v -> {
          if (response.getStatusCode() != 101) {
            registration.cancel();
          }
        });
        response.closeHandler(v -> registration.cancel());
        // After an upgrade the connection is the WebSocket's alone.
        request.connection().closeHandler(v -> registration.cancel());
      }
      return sent;
    }
  }

  /**
   * Sends a feed's head as soon as the backend's arrives: the body may not begin for a heartbeat
   * interval (25 s at Sync Gateway), and a client should know meanwhile that it is connected.
   */
  private record FeedHead(HttpServerResponse response) implements ProxyInterceptor {
    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
      Future<Void> sent = context.sendResponse();
      if (!response.headWritten() && !response.ended() && response.isChunked()) {
        response.writeHead();
      }
      return sent;
    }
  }

  private static boolean isChanges(String uri) {
    return new QueryStringDecoder(uri).rawPath().endsWith("/_changes");
  }

  private static boolean isStreamingFeed(String uri) {
    QueryStringDecoder decoder = new QueryStringDecoder(uri);
    if (!decoder.rawPath().endsWith("/_changes")) {
      return false;
    }
    try {
      List<String> feed = decoder.parameters().get("feed");
      return feed != null && feed.stream().anyMatch(STREAMING_FEEDS::contains);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
