package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The released jar as a process, stopped as an orchestrator stops it: SIGTERM turns readiness
 * false, ends feeds cleanly (a continuous feed at a line's end, a waiting long-poll with an empty
 * answer), lets a running download finish, refuses new connections, and exits 0; a second SIGTERM
 * exits at once.
 */
class ProcessLifecycleIT {

  private static final int DOWNLOAD_BYTES = 24 * 1024 * 1024;
  private static final String DOWNLOAD = "/sync/todo/download/blob.bin";

  private static TestStack backends;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    backends = TestStack.backendsOnly();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(
            URI.create(backends.store.url() + "/" + TestStack.DB + "/download/blob.bin"))
        .header("content-type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[DOWNLOAD_BYTES])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    backends.close();
  }

  @Test
  void sigtermEndsFeedsCleanlyLetsADownloadFinishAndExitsZero() throws Exception {
    int management = FreePort.next();
    SyncgateProcess syncgate = start(management, "10s");
    int port = syncgate.port();
    try (Socket continuous = open(port, "/sync/todo/_changes?feed=continuous&since=0&heartbeat=30000");
        Socket download = open(port, DOWNLOAD)) {
      String since = lastSeq(port);
      try (Socket longPoll = open(port, "/sync/todo/_changes?feed=longpoll&since=" + since)) {
        String continuousHead = readHead(continuous.getInputStream());
        String downloadHead = readHead(download.getInputStream());
        assertThat(continuousHead).startsWith("HTTP/1.1 200 ");
        assertThat(downloadHead).startsWith("HTTP/1.1 200 ").containsIgnoringCase("content-length: " + DOWNLOAD_BYTES);
        // The download is under way: a first part read, the rest waits in the sockets.
        assertThat(download.getInputStream().readNBytes(1024)).hasSize(1024);
        await().atMost(Duration.ofSeconds(10)).until(() -> backends.sg.publicRequests().stream()
            .anyMatch(seen -> seen.uri().contains("feed=longpoll")));
        // The jar's metrics, on its management port, see what is open.
        await().atMost(Duration.ofSeconds(10)).until(() -> http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + management + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
            .body().lines().anyMatch(line -> line.equals("syncgate_feeds_open 2.0")));

        Instant signalled = Instant.now();
        syncgate.sigterm();

        assertThat(RawHttp.readToClose(longPoll.getInputStream())).as("the waiting long-poll")
            .startsWith("HTTP/1.1 200 ").endsWith("{\"results\":[],\"last_seq\":\"" + since + "\"}\n");
        assertThat(RawHttp.readToClose(continuous.getInputStream())).as("the continuous feed, ended not cut")
            .endsWith("0\r\n\r\n");
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + management + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("stopping");
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("no new connections")
            .isInstanceOf(ConnectException.class);

        long rest = download.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(rest).as("the download, finished").isEqualTo(DOWNLOAD_BYTES - 1024);

        Integer exit = syncgate.exitWithin(Duration.ofSeconds(10));
        assertThat(exit).as("exit code; output:%n%s", syncgate.output()).isZero();
        assertThat(Duration.between(signalled, Instant.now())).as("well within the drain timeout")
            .isLessThan(Duration.ofSeconds(8));
      }
    } finally {
      syncgate.close();
    }
  }

  @Test
  void aSecondSigtermExitsAtOnceWhileRequestsStillDrain() throws Exception {
    SyncgateProcess syncgate = start(FreePort.next(), "60s");
    int port = syncgate.port();
    try (Socket download = open(port, DOWNLOAD)) {
      assertThat(readHead(download.getInputStream())).startsWith("HTTP/1.1 200 ");
      // The client reads nothing more: the download cannot finish, so the drain would take 60 s.
      syncgate.sigterm();
      assertThat(syncgate.exitWithin(Duration.ofSeconds(1))).as("still draining").isNull();

      Instant second = Instant.now();
      syncgate.sigterm();

      assertThat(syncgate.exitWithin(Duration.ofSeconds(5))).as("exit code after a second SIGTERM").isEqualTo(143);
      assertThat(Duration.between(second, Instant.now())).isLessThan(Duration.ofSeconds(3));
    } finally {
      syncgate.close();
    }
  }

  private static SyncgateProcess start(int management, String drain) throws Exception {
    return SyncgateProcess.inFrontOf(backends, Map.of(
        "SYNCGATE_MANAGEMENT_PORT", Integer.toString(management),
        "SYNCGATE_SHUTDOWN_DRAIN_TIMEOUT", drain), List.of());
  }

  private static Socket open(int port, String uri) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(15_000);
    socket.getOutputStream().write(("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + backends.token("drained") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private static String lastSeq(int port) throws Exception {
    HttpResponse<String> changes = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/sync/todo/_changes"))
        .header("authorization", "Bearer " + backends.token("drained")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(changes.statusCode()).as(changes.body()).isEqualTo(200);
    return new JsonObject(changes.body()).getValue("last_seq").toString();
  }

  private static String readHead(InputStream in) throws IOException {
    return RawHttp.readHead(in);
  }
}
