package io.syncgate.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.syncgate.pouchdb.PouchDbCompatibility;
import io.syncgate.session.SessionStreams;
import io.syncgate.session.SessionRef;
import io.syncgate.session.Sessions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import io.vertx.httpproxy.ProxyOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Streams an authenticated request to the backend's public port and its response back, through
 * vertx-http-proxy: bodies flow with back-pressure and are never buffered, and long-poll or
 * continuous feeds stay open as long as the backend keeps them. Links shape the exchange,
 * outermost first: origin failures become JSON, outbound headers are made safe, a Bearer
 * client's request refused on a stale session is sent again on a fresh one ({@link BearerRetry}),
 * inbound headers are made fit for the client; a fourth makes replication reads fit for PouchDB
 * ({@link PouchDbCompatibility}). Feeds and WebSockets that run on a session are registered
 * with {@link SessionStreams}, which ends them when the session's access ends.
 */
public final class Forwarder {

  private static final Set<String> STREAMING_FEEDS = Set.of("longpoll", "continuous", "websocket");
  /** The request to the backend, once made. */
  static final String ORIGIN = "syncgate.origin";
  /** A feed ended at a stop before the backend answered: the answer to give instead. */
  static final String DRAINED = "syncgate.drained";
  /**
   * Where the routing context may hold what to do once a WebSocket that switched protocols has
   * closed ({@code LongConsumer}, given the bytes relayed to the client): an upgraded exchange
   * never ends as an HTTP response does.
   */
  public static final String UPGRADE_ENDED = "syncgate.upgrade-ended";

  private final HttpClient client;
  private final RequestOptions origin;
  private final String originPath;
  private final Sessions sessions;
  private final PouchDbCompatibility pouchDb;
  private final EventLoopStreams streams;
  private final long requestTimeoutMillis;
  private final ProxyOptions options = new ProxyOptions().setSupportWebSocket(true);
  private final Timer latency;

  /** Histogram buckets for backend latency: from a local SG's milliseconds to a slow one's seconds. */
  public static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  /**
   * @param poolWait the longest a request waits for a connection to the backend
   * @param requestTimeout the longest an ordinary request waits, once sent, for the backend's
   *     answer to begin (feeds and WebSockets have no such bound)
   * @param streams where this event loop's feeds and WebSockets are kept, to be ended at a stop
   */
  public Forwarder(HttpClient client, URI publicUrl, Duration poolWait, Duration requestTimeout, Sessions sessions,
      PouchDbCompatibility pouchDb, EventLoopStreams streams, MeterRegistry metrics) {
    this.latency = Timer.builder("syncgate.backend.latency")
        .description("Time from a request sent to the backend to its answer's head; feeds and WebSockets apart")
        .tag("api", "public")
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(metrics);
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
    this.streams = streams;
    this.requestTimeoutMillis = requestTimeout.toMillis();
  }

  /** A fresh copy of the origin's options per request (the copy constructor drops the connect timeout). */
  private RequestOptions originRequest() {
    return new RequestOptions()
        .setHost(origin.getHost())
        .setPort(origin.getPort())
        .setSsl(origin.isSsl())
        .setConnectTimeout(origin.getConnectTimeout());
  }

  /** Forwards {@code ctx}'s request; {@code ctx} is told when the exchange ends, however it ends. */
  public void forward(RoutingContext ctx, Outbound outbound) {
    HttpServerRequest request = ctx.request();
    if (request.response().closed()) {
      // The client left while it was being authenticated: nothing to send, nothing to track.
      return;
    }
    boolean feed = isStreamingFeed(outbound.uri());
    boolean webSocket = request.canUpgradeToWebSocket();
    HttpProxy proxy = HttpProxy.reverseProxy(options, client)
        .origin(context -> context.client().request(originRequest()).onSuccess(origin -> {
          context.set(ORIGIN, origin);
          if (context.get(DRAINED, Buffer.class) != null) {
            origin.reset();
          } else if (!feed && !webSocket) {
            answerWithin(context, origin);
            long sent = System.nanoTime();
            origin.response().onSuccess(head -> latency.record(System.nanoTime() - sent, TimeUnit.NANOSECONDS));
          }
        }));
    boolean tracked = outbound.credential() instanceof Outbound.Session && (isChanges(outbound.uri()) || webSocket);
    if (webSocket) {
      WebSocketRelay relay = new WebSocketRelay(request, streams);
      java.util.function.LongConsumer ended = ctx.get(UPGRADE_ENDED);
      if (ended != null) {
        relay.onClose(() -> {
          if (relay.switched()) {
            ended.accept(relay.bytesToClient());
          }
        });
      }
      proxy.addInterceptor(relay, true);
      if (tracked) {
        proxy.addInterceptor(new StreamTracking(request, sessions.streams(),
            () -> relay.end(WebSocketRelay.POLICY_VIOLATION, "the session has ended"), relay::onClose), true);
      }
    } else if (tracked) {
      proxy.addInterceptor(new StreamTracking(request, sessions.streams(), () -> request.connection().close(),
          ended -> ctx.addEndHandler(v -> ended.run())), true);
    }
    if (feed) {
      proxy.addInterceptor(new FeedHead(request, streams, ended -> ctx.addEndHandler(v -> ended.run())));
    }
    proxy.addInterceptor(new OriginFailures(), true)
        .addInterceptor(new OutboundHeaders(outbound, originPath, sessions), true);
    if (outbound.credential() instanceof Outbound.Session session && session.isBearer()) {
      proxy.addInterceptor(new BearerRetry(session, sessions), true);
    }
    proxy.addInterceptor(new InboundHeaders(outbound, sessions), true);
    ProxyInterceptor replicationReads = pouchDb.interceptorFor(request.method(), outbound.uri());
    if (replicationReads != null) {
      proxy.addInterceptor(replicationReads);
    }
    proxy.handle(request);
  }

  /**
   * Bounds the wait for the backend's answer to an ordinary request, counted from when its body
   * has gone out (an upload's own pace is the client's business): past it, a 504.
   */
  private void answerWithin(ProxyContext context, HttpClientRequest origin) {
    Runnable arm = () -> {
      // An answer already under way (SG may refuse an upload early) is not to be cut.
      if (!origin.response().isComplete()) {
        origin.idleTimeout(requestTimeoutMillis);
      }
    };
    Body body = context.request().getBody();
    if (body == null) {
      arm.run();
    } else {
      context.request().setBody(Body.body(new OnEnd(body.stream(), arm), body.length(), body.mediaType()));
    }
  }

  /**
   * Registers a feed or WebSocket with {@link SessionStreams} as it is sent — a long-poll's answer
   * may not begin until it ends — on the session it is sent with; {@link BearerRetry} moves
   * the registration if it replaces a stale session. Every {@code _changes} counts: a POST names
   * its feed in the body, which is not read here.
   */
  private record StreamTracking(HttpServerRequest request, SessionStreams streams, Runnable end,
      Consumer<Runnable> whenFinished) implements ProxyInterceptor {
    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      Future<ProxyResponse> sent = context.sendRequest();
      // The links after this one have run up to the send: the session is known.
      SessionRef session = context.get(OutboundHeaders.SESSION, SessionRef.class);
      if (session != null && !request.response().closed()) {
        SessionStreams.Registration registration = streams.register(session, end);
        context.set(OutboundHeaders.REGISTRATION, registration);
        whenFinished.accept(registration::cancel);
      }
      return sent;
    }
  }

  /**
   * Sends a feed's head as soon as the backend's arrives: the body may not begin for a heartbeat
   * interval (25 s at Sync Gateway), and a client should know meanwhile that it is connected. The
   * body can be ended cleanly at a stop ({@link EndableFeed}).
   */
  private record FeedHead(HttpServerRequest request, EventLoopStreams streams, Consumer<Runnable> whenFinished)
      implements ProxyInterceptor {

    private static final String FEED = "syncgate.feed";
    private static final String ANSWERED = "syncgate.answered";

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      whenFinished.accept(streams.add(() -> endCleanly(context), false));
      return context.sendRequest();
    }

    /**
     * Ends the feed at a stop: its body cleanly if it has begun, else with the empty answer
     * {@link OriginFailures} gives in place of the backend's, once the wait for it is reset.
     */
    private void endCleanly(ProxyContext context) {
      EndableFeed feed = context.get(FEED, EndableFeed.class);
      HttpClientRequest origin = context.get(ORIGIN, HttpClientRequest.class);
      if (feed != null) {
        feed.endCleanly();
      } else if (context.get(ANSWERED, Boolean.class) != null) {
        // Another answer (an error) is on its way to the client: it ends by itself.
        return;
      } else if (!EndableFeed.resumable(request.getParam("since"))) {
        // since=now: no answer to give that the client could resume from without a gap.
        if (origin != null) {
          origin.reset();
        }
        request.connection().close();
      } else {
        context.set(DRAINED, EndableFeed.emptyAnswer(isLongPoll(), request.getParam("since")));
        if (origin != null) {
          origin.reset();
        }
        // Else the request to the backend, once made, is reset at once.
      }
    }

    private boolean isLongPoll() {
      return "longpoll".equals(request.getParam("feed"));
    }

    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
      ProxyResponse proxied = context.response();
      HttpServerResponse response = request.response();
      context.set(ANSWERED, true);
      if (proxied.getStatusCode() == 200 && proxied.proxiedResponse() != null && proxied.getBody() != null) {
        HttpClientResponse origin = proxied.proxiedResponse();
        EndableFeed feed = new EndableFeed(proxied.getBody().stream(), isLongPoll(), request.getParam("since"),
            () -> origin.request().reset()).onCut(() -> request.connection().close());
        // The backend's media type stays: Body.body without one would say application/octet-stream.
        proxied.setBody(Body.body(feed, proxied.getBody().length(), proxied.getBody().mediaType()));
        context.set(FEED, feed);
      }
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
