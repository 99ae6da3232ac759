package io.syncgate.proxy;

import io.syncgate.failure.GatewayFailure;
import io.syncgate.guard.ConnectionGuard;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Relays an upgraded WebSocket ({@code _blipsync}, {@code _changes?feed=websocket}) once Sync
 * Gateway has accepted it, in place of vertx-http-proxy's relay, which writes without looking at
 * the other side's queue. Each direction pauses its reader while the writer's queue is full and
 * resumes on drain, so a client that stops reading stops Sync Gateway's sending instead of filling
 * Syncgate's memory. Bytes pass untouched; frames are only counted on Sync Gateway's side so that
 * the relay can end with a close frame of its own between two frames (a stop, a session's end).
 * An upgrade SG refuses reaches the client as SG's status with a JSON body.
 *
 * <p>The outermost link of a WebSocket's chain: it answers the client itself and never hands the
 * response on.
 */
final class WebSocketRelay implements ProxyInterceptor {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebSocketRelay.class);

  /**
   * At a stop: LiteCore's {@code kWebSocketCloseAppTransient}, which Couchbase Lite retries (its
   * {@code c4error_mayBeTransient}: 1006, 4001 and the HTTP-like 408, 429, 502, 503, 504), so
   * the replicator reconnects to another instance. RFC 6455's 1001 "going away" would be the
   * textbook code, but LiteCore takes it as permanent and the replicator stops for good.
   */
  static final short RECONNECT = 4001;
  /** RFC 6455 §7.4.1: a policy was violated (the session's access ended). */
  static final short POLICY_VIOLATION = 1008;
  private static final int LARGEST_REFUSAL = 64 * 1024;
  /** How long an ending relay waits for its close frame and queued bytes to go out. */
  static final long CLOSE_GRACE_MILLIS = 2000;

  private final HttpServerRequest request;
  private final EventLoopStreams streams;
  private final Context context;
  private final List<Runnable> whenClosed = new ArrayList<>();
  private Link link;
  private boolean closed;
  private boolean switched;

  WebSocketRelay(HttpServerRequest request, EventLoopStreams streams) {
    this.request = request;
    this.streams = streams;
    this.context = Vertx.currentContext();
  }

  /** Ends the relay with a close frame carrying {@code code}; from any thread. */
  void end(short code, String reason) {
    context.runOnContext(v -> {
      if (link != null) {
        link.end(code, reason);
      } else {
        request.connection().close();
      }
    });
  }

  /** Whether the backend accepted the upgrade and the client got its 101. */
  boolean switched() {
    return switched;
  }

  /** Bytes relayed from the backend to the client so far. */
  long bytesToClient() {
    return link == null ? 0 : link.toClientBytes;
  }

  /** Runs {@code action} once the exchange is over: refused, or relayed and closed. */
  void onClose(Runnable action) {
    if (closed) {
      action.run();
    } else {
      whenClosed.add(action);
    }
  }

  private void closed() {
    if (!closed) {
      closed = true;
      whenClosed.forEach(Runnable::run);
      whenClosed.clear();
    }
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext proxyContext) {
    ProxyResponse response = proxyContext.response();
    HttpClientResponse upstream = response.proxiedResponse();
    if (upstream == null || response.getStatusCode() != 101) {
      return refuse(response, upstream);
    }
    HttpServerResponse client = request.response();
    client.setStatusCode(101);
    switched = true;
    client.headers().addAll(response.headers());
    if (!response.headers().contains("sec-websocket-protocol")
        && SubProtocols.parse(request.headers().getAll("sec-websocket-protocol")).marker()) {
      client.headers().set("sec-websocket-protocol", SubProtocols.MARKER);
    }
    NetSocket toBackend = upstream.netSocket();
    // The upgrade request's connection closes when the relay ends: that is its end, not an error
    // (unhandled, Vert.x logs it as one, for every WebSocket).
    upstream.request().exceptionHandler(e -> log.debug("the backend side of a WebSocket ended: {}", e.toString()));
    return request.toNetSocket()
        .onSuccess(toClient -> {
          link = new Link(context, toClient, toBackend, request.connection(), upstream.request().connection());
          Runnable remove = streams.add(() -> link.end(RECONNECT, "Syncgate is stopping: reconnect"), true);
          toClient.closeHandler(v -> {
            remove.run();
            link.closeWithin(toBackend);
            closed();
          });
          toBackend.closeHandler(v -> link.closeWithin(toClient));
        })
        .onFailure(e -> {
          toBackend.close();
          closed();
        })
        .mapEmpty();
  }

  /** A refusal with SG's status: its own JSON body when it sent one, else Syncgate's. */
  private Future<Void> refuse(ProxyResponse response, HttpClientResponse upstream) {
    if (upstream != null) {
      String type = upstream.getHeader("content-type");
      String length = upstream.getHeader("content-length");
      boolean json = type != null && type.toLowerCase().startsWith("application/json")
          && length != null && length.matches("\\d{1,9}") && Integer.parseInt(length) <= LARGEST_REFUSAL;
      if (response.getStatusCode() < 400) {
        // Anything but 101 (a document, a feed's body) is no answer to an upgrade: the backend failed it.
        GatewayFailure failure = GatewayFailure.badGateway("Sync Gateway answered the WebSocket upgrade with "
            + response.getStatusCode() + " instead of switching protocols");
        Failures.answer(response, failure);
      } else if (!json) {
        // SG's status stays: only its body is replaced.
        int status = response.getStatusCode();
        Failures.answer(response, refusal(status));
        response.setStatusCode(status);
      }
      response.putHeader("connection", "close");
    }
    // The client asked to leave HTTP on this connection; refused, it has nothing more to say on it.
    return response.send().onComplete(v -> {
      request.connection().close();
      closed();
    });
  }

  private static GatewayFailure refusal(int status) {
    String reason = "Sync Gateway refused the WebSocket upgrade (" + status + ")";
    return switch (status) {
      case 401 -> GatewayFailure.invalidToken(reason);
      case 403 -> GatewayFailure.forbidden(reason);
      case 404 -> GatewayFailure.notFound(reason);
      case 503 -> GatewayFailure.unavailable(reason);
      default -> status >= 500 ? GatewayFailure.badGateway(reason) : GatewayFailure.badRequest(reason);
    };
  }

  /** The two sockets of an upgraded connection, each direction with back-pressure. */
  private static final class Link {

    private final NetSocket toClient;
    private final NetSocket toBackend;
    private final FrameBoundary fromBackend = new FrameBoundary();
    private final Context context;
    private final HttpConnection clientConnection;
    private final HttpConnection backendConnection;
    private byte[] closing;
    long toClientBytes;

    Link(Context context, NetSocket toClient, NetSocket toBackend, HttpConnection clientConnection,
        HttpConnection backendConnection) {
      this.context = context;
      this.clientConnection = clientConnection;
      this.backendConnection = backendConnection;
      this.toClient = toClient;
      this.toBackend = toBackend;
      pump(toClient, toBackend);
      toBackend.handler(this::fromBackend);
      pauseWhileFull(toBackend, toClient);
    }

    private void fromBackend(Buffer bytes) {
      toClientBytes += bytes.length();
      if (closing == null) {
        fromBackend.advance(bytes, 0, false);
        write(toBackend, toClient, bytes);
        return;
      }
      // A close frame is waiting for the frame under way to end.
      int end = fromBackend.advance(bytes, 0, true);
      write(toBackend, toClient, bytes.getBuffer(0, end));
      if (fromBackend.atBoundary()) {
        sendClose();
      }
    }

    void end(short code, String reason) {
      if (closing != null) {
        return;
      }
      byte[] text = reason.getBytes(StandardCharsets.UTF_8);
      closing = new byte[4 + text.length];
      closing[0] = (byte) 0x88;
      closing[1] = (byte) (2 + text.length);
      closing[2] = (byte) (code >> 8);
      closing[3] = (byte) code;
      System.arraycopy(text, 0, closing, 4, text.length);
      // Nothing more from the client reaches SG; and a client that stopped reading may keep SG's
      // side paused in mid-frame for ever, so the end is bounded, cleanly or not.
      toClient.pause();
      closeAfterGrace(toClient);
      closeAfterGrace(toBackend);
      if (fromBackend.atBoundary()) {
        sendClose();
      }
    }

    private void sendClose() {
      toBackend.handler(null);
      toBackend.close();
      toClient.end(Buffer.buffer(closing));
    }

    /**
     * Closes {@code socket} once what is queued for it has gone out, and for certain after
     * {@link #CLOSE_GRACE_MILLIS}: a peer that reads nothing would hold a graceful close open.
     */
    void closeWithin(NetSocket socket) {
      socket.close();
      closeAfterGrace(socket);
    }

    private void closeAfterGrace(NetSocket socket) {
      HttpConnection connection = socket == toClient ? clientConnection : backendConnection;
      context.owner().setTimer(CLOSE_GRACE_MILLIS, t -> {
        // Beneath Vert.x's close, which waits for queued bytes to be flushed first.
        ConnectionGuard.closeNow(connection);
      });
    }

    private static void pump(ReadStream<Buffer> from, WriteStream<Buffer> to) {
      from.handler(bytes -> write(from, to, bytes));
      pauseWhileFull(from, to);
    }

    private static void pauseWhileFull(ReadStream<Buffer> from, WriteStream<Buffer> to) {
      to.drainHandler(v -> from.resume());
    }

    private static void write(ReadStream<Buffer> from, WriteStream<Buffer> to, Buffer bytes) {
      to.write(bytes);
      if (to.writeQueueFull()) {
        from.pause();
      }
    }
  }

  /**
   * Where WebSocket frames begin and end in a byte stream (RFC 6455 §5.2), reading only their
   * heads: the relay may add a frame of its own only between two.
   */
  static final class FrameBoundary {

    private final byte[] head = new byte[14];
    private int headRead;
    private long payloadLeft;

    boolean atBoundary() {
      return headRead == 0 && payloadLeft == 0;
    }

    /**
     * Reads {@code bytes} from {@code from}; returns where it stopped: the end of the buffer, or,
     * with {@code stopAtBoundary}, the first place a frame ends.
     */
    int advance(Buffer bytes, int from, boolean stopAtBoundary) {
      int i = from;
      int length = bytes.length();
      while (i < length) {
        if (payloadLeft > 0) {
          long take = Math.min(payloadLeft, length - i);
          payloadLeft -= take;
          i += (int) take;
        } else {
          head[headRead++] = bytes.getByte(i++);
          int needed = headLength();
          if (headRead < needed) {
            continue;
          }
          payloadLeft = payloadLength();
          headRead = 0;
        }
        if (stopAtBoundary && atBoundary()) {
          return i;
        }
      }
      return i;
    }

    /** The head's length so far as it can be told: 2, then with the extended length and mask. */
    private int headLength() {
      if (headRead < 2) {
        return 2;
      }
      int len7 = head[1] & 0x7F;
      int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
      int mask = (head[1] & 0x80) != 0 ? 4 : 0;
      return 2 + extended + mask;
    }

    private long payloadLength() {
      int len7 = head[1] & 0x7F;
      if (len7 < 126) {
        return len7;
      }
      long value = 0;
      int bytes = len7 == 126 ? 2 : 8;
      for (int k = 0; k < bytes; k++) {
        value = (value << 8) | (head[2 + k] & 0xFF);
      }
      return value;
    }
  }
}
