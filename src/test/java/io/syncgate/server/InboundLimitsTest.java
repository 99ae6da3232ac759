package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.OpenFeed;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.TestStack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The public listener's limits, each met by a client that breaks it over a real socket: heads sent
 * a byte a second, connections left idle, more connections than allowed, sign-in bodies too large,
 * too many header fields. Each is answered with JSON or closed, and well-behaved clients are
 * served meanwhile.
 */
class InboundLimitsTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_LISTEN_HEADER_TIMEOUT", "2s",
      "SYNCGATE_LISTEN_IDLE_TIMEOUT", "1s",
      "SYNCGATE_LISTEN_MAX_BODY_BYTES", "1024",
      "SYNCGATE_LISTEN_MAX_HEADERS", "40",
      "SYNCGATE_LISTEN_BODY_TIMEOUT", "2s"));

  private final List<Socket> sockets = new ArrayList<>();
  private boolean reconfigured;

  @AfterEach
  void closeSockets() throws Exception {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (reconfigured) {
      stack.restartSyncgate(Map.of());
    }
  }

  @Test
  void clientsSendingTheirHeadsAByteASecondAreAnswered408AndClosedWhileOthersAreServed() throws Exception {
    String head = "GET /sync/todo/_changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n\r\n";
    for (int i = 0; i < 200; i++) {
      Socket socket = new Socket("127.0.0.1", stack.port());
      socket.setSoTimeout(10_000);
      sockets.add(socket);
    }
    long start = System.nanoTime();
    // A byte a second on each connection, for longer than the header timeout allows.
    for (int second = 0; second < 4; second++) {
      for (Socket socket : sockets) {
        try {
          socket.getOutputStream().write(head.charAt(second));
          socket.getOutputStream().flush();
        } catch (IOException closedAlready) {
          // Closed by the header timeout: what the test expects.
        }
      }
      // A fresh connection each time: a pooled one idle for the idle timeout (1 s here) may be
      // closed by Syncgate just as the pool reuses it.
      String served = signIn(stack.token("alice"), "");
      assertThat(served).as("a well-behaved client meanwhile").startsWith("HTTP/1.1 200 ");
      TimeUnit.MILLISECONDS.sleep(1000);
    }

    for (Socket socket : sockets) {
      String answer = RawHttp.readToClose(socket.getInputStream());
      assertThat(answer).startsWith("HTTP/1.1 408 ").contains("connection: close")
          .endsWith("{\"error\":\"request_timeout\",\"reason\":\"the request head did not arrive within 2000 ms\"}");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aKeptAliveConnectionIsClosedAfterTheIdleTimeoutButServesRequestsThatComeInTime() throws Exception {
    Socket socket = open();
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    String request = "GET /sync/todo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    out.write(request.getBytes(StandardCharsets.US_ASCII));
    assertThat(readResponse(in)).startsWith("HTTP/1.1 401 ");
    TimeUnit.MILLISECONDS.sleep(400);
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    assertThat(readResponse(in)).as("in time on the same connection").startsWith("HTTP/1.1 401 ");

    long idleSince = System.nanoTime();
    assertThat(in.read()).as("closed once idle").isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isBetween(Duration.ofMillis(800), Duration.ofSeconds(5));
  }

  @Test
  void aFeedThatStreamsIsNeverCutByTheIdleOrHeaderTimeouts() throws Exception {
    String signIn = signIn(stack.token("alice"), "");
    String cookie = "SyncGatewaySession=" + new io.vertx.core.json.JsonObject(signIn.substring(signIn.indexOf("\r\n\r\n") + 4))
        .getString("session_id");
    try (OpenFeed feed = OpenFeed.open(stack.vertx, stack.port(), "/sync/todo/_changes?feed=continuous&since=0",
        Map.of("cookie", cookie))) {
      assertThat(feed.status()).isEqualTo(200);
      TimeUnit.SECONDS.sleep(4);
      assertThat(feed.ended()).as("a feed open past both timeouts").isFalse();
    }
  }

  @Test
  void connectionsOverTheCapAre503AndTheCapFreesAsConnectionsClose() throws Exception {
    reconfigured = true;
    stack.restartSyncgate(Map.of("SYNCGATE_LISTEN_MAX_CONNECTIONS", "3", "SYNCGATE_LISTEN_HEADER_TIMEOUT", "30s"));
    for (int i = 0; i < 3; i++) {
      open();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> stack.syncgate().openConnections() == 3);

    String refused = RawHttp.exchange(stack.port(), "GET /sync/todo/ HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(5));
    assertThat(refused).startsWith("HTTP/1.1 503 ").contains("retry-after: 1").endsWith(
        "{\"error\":\"service_unavailable\",\"reason\":\"this instance holds as many connections as it may: try again\"}");

    sockets.remove(0).close();
    await().atMost(Duration.ofSeconds(5)).until(() -> stack.syncgate().openConnections() == 2);
    String served = RawHttp.exchange(stack.port(), "GET /sync/todo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration.ofSeconds(5));
    assertThat(served).startsWith("HTTP/1.1 401 ");
  }

  @Test
  void aSignInBodyOverTheLimitIs413AndChangesNothing() throws Exception {
    String token = stack.token("bob");
    String declared = RawHttp.exchange(stack.port(), "POST /sync/todo/_session HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer " + token + "\r\nContent-Length: 100000\r\n\r\n", Duration.ofSeconds(5));
    String chunk = "x".repeat(600);
    String chunked = RawHttp.exchange(stack.port(), "POST /sync/todo/_session HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer " + token + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n", Duration.ofSeconds(5));

    String reason = "{\"error\":\"payload_too_large\",\"reason\":\"this endpoint reads at most 1024 bytes of body, and needs none\"}";
    assertThat(declared).startsWith("HTTP/1.1 413 ").contains("connection: close").endsWith(reason);
    assertThat(chunked).startsWith("HTTP/1.1 413 ").endsWith(reason);
    assertThat(stack.sg.adminRequests()).isEmpty();

    assertThat(signIn(token, "{}")).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void anUploadInvitedWith100ContinueIsNotMistakenForAnIdleConnection() throws Exception {
    Socket socket = open();
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    String body = "{\"slow\":true}";
    out.write(("PUT /sync/todo/slow-upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + stack.token("uploader")
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
        + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    StringBuilder interim = new StringBuilder();
    while (!interim.toString().endsWith("\r\n\r\n")) {
      interim.append((char) in.read());
    }
    assertThat(interim.toString()).startsWith("HTTP/1.1 100 Continue");
    // Longer than the idle timeout (1 s) before the body, which then trickles for longer than the
    // header timeout (2 s): neither applies to a body, only the body timeout (2 s of silence).
    TimeUnit.MILLISECONDS.sleep(1500);
    for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
      out.write(b);
      out.flush();
      TimeUnit.MILLISECONDS.sleep(150);
    }

    assertThat(readResponse(in)).startsWith("HTTP/1.1 201 ");
  }

  @Test
  void aRequestBodyThatStallsIs408AndClosed() throws Exception {
    String answer = RawHttp.exchange(stack.port(), "POST /sync/todo/_session HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer nonsense\r\nContent-Length: 10\r\n\r\nabc", Duration.ofSeconds(5));

    assertThat(answer).startsWith("HTTP/1.1 408 ").contains("connection: close")
        .endsWith("{\"error\":\"request_timeout\",\"reason\":\"the request body stalled: nothing for 2000 ms\"}");
    assertThat(stack.sg.adminRequests()).isEmpty();
  }

  @Test
  void tooManyHeaderFieldsAre431() throws Exception {
    StringBuilder head = new StringBuilder("GET /sync/todo/ HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 41; i++) {
      head.append("X-Field-").append(i).append(": 1\r\n");
    }
    String answer = RawHttp.exchange(stack.port(), head + "Connection: close\r\n\r\n", Duration.ofSeconds(5));

    assertThat(answer).startsWith("HTTP/1.1 431 ")
        .endsWith("{\"error\":\"request_header_fields_too_large\",\"reason\":\"more than 40 header fields\"}");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  /**
   * A sign-in on a connection of its own: with an idle timeout of 1 s, a pooled connection could
   * be closed by Syncgate just as a client pool reuses it.
   */
  private static String signIn(String token, String body) throws IOException {
    return RawHttp.exchange(stack.port(), "POST /sync/todo/_session HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + token + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body, Duration.ofSeconds(5));
  }

  private Socket open() throws IOException {
    Socket socket = new Socket("127.0.0.1", stack.port());
    socket.setSoTimeout(10_000);
    sockets.add(socket);
    return socket;
  }

  /** One response with a Content-Length body, read from a kept-alive connection. */
  private static String readResponse(InputStream in) throws IOException {
    String head = RawHttp.readHead(in);
    int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}
