package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.FaultyBackend;
import io.syncgate.testing.FreePort;
import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sync Gateway failing the ways a real one does: refusing connections (a fast 502), accepting
 * and never answering (504 within sync_gateway.request_timeout, while a feed that SG keeps alive
 * with heartbeats stays open), resetting mid-stream (the client's connection is closed, so it
 * retries), and dying mid-replication and coming back (PouchDB finishes with every document).
 * No connection or descriptor is left behind.
 */
class UpstreamFaultTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private FaultyBackend faulty;

  @AfterEach
  void restore() throws Exception {
    if (faulty != null) {
      faulty.close();
      stack.restartSyncgate(Map.of());
    }
  }

  private void inFrontOf(URI backend) throws Exception {
    stack.restartSyncgate(Map.of(
        "SYNCGATE_SYNC_GATEWAY_PUBLIC_URL", backend.toString(),
        "SYNCGATE_ACCESS_ALLOW_GUEST", "true",
        "SYNCGATE_SYNC_GATEWAY_REQUEST_TIMEOUT", "300ms"));
  }

  @Test
  void refusedHungAndResetBackendsAre502And504AndAClosedConnection() throws Exception {
    faulty = FaultyBackend.start();
    inFrontOf(URI.create("http://127.0.0.1:" + FreePort.next()));
    long start = System.nanoTime();
    String refused = get("/sync/todo/doc");
    assertThat(refused).startsWith("HTTP/1.1 502 ")
        .endsWith("{\"error\":\"bad_gateway\",\"reason\":\"the backend is unreachable\"}");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

    inFrontOf(faulty.url());
    start = System.nanoTime();
    String hung = get("/sync/todo/hang");
    assertThat(hung).startsWith("HTTP/1.1 504 ")
        .endsWith("{\"error\":\"gateway_timeout\",\"reason\":\"the backend did not answer in time\"}");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));

    String reset = get("/sync/todo/reset");
    assertThat(reset).as("cut, so the client knows to retry").startsWith("HTTP/1.1 200 ")
        .doesNotContain("\r\n0\r\n\r\n").doesNotContain(RawHttp.STILL_OPEN);
  }

  @Test
  void aFeedThatSyncGatewayKeepsAliveOutlivesTheRequestTimeout() throws Exception {
    // The backend is silent for 600 ms before the head, twice the request timeout: only a feed may wait.
    faulty = FaultyBackend.start();
    inFrontOf(faulty.url());

    String feed = RawHttp.exchangeFor(stack.port(), "GET /sync/todo/_changes?feed=longpoll&heartbeats HTTP/1.1\r\n"
        + "Host: x\r\n\r\n", Duration.ofMillis(1500));

    assertThat(feed).startsWith("HTTP/1.1 200 ").contains("content-type: application/json")
        .endsWith("\n" + RawHttp.STILL_OPEN);
  }

  @Test
  void aThousandFailedRequestsLeaveNoConnectionOrDescriptorBehind() throws Exception {
    faulty = FaultyBackend.start();
    inFrontOf(faulty.url());
    get("/sync/todo/warm-up");
    long descriptors = openDescriptors();

    List<CompletableFuture<String>> failures = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String path = i % 10 == 0 ? "/sync/todo/hang" : "/sync/todo/reset";
      failures.add(CompletableFuture.supplyAsync(() -> {
        try {
          return get(path);
        } catch (IOException e) {
          return e.toString();
        }
      }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
    }
    CompletableFuture.allOf(failures.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
    assertThat(failures).extracting(CompletableFuture::join)
        .allSatisfy(answer -> assertThat(answer).matches("(?s)HTTP/1\\.1 (504|200) .*"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(stack.syncgate().openConnections()).isZero();
      assertThat(faulty.held()).as("hung requests given up at the backend").isZero();
      assertThat(established(stack.port())).as("TCP connections to Syncgate").isZero();
      assertThat(openDescriptors()).isLessThanOrEqualTo(descriptors + 16);
    });
  }

  @Test
  void syncGatewayKilledMidReplicationAndRestartedPouchDbFinishesWithEveryDocument() throws Exception {
    JsonArray docs = new JsonArray();
    for (int i = 0; i < 600; i++) {
      docs.add(new JsonObject().put("_id", "outage-" + i).put("text", "x".repeat(2000)));
    }
    HttpResponse<String> seeded = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(stack.store.url() + "/" + TestStack.DB + "/_bulk_docs"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("docs", docs).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(seeded.statusCode()).isEqualTo(201);
    long descriptors = openDescriptors();
    stack.sg.forgetRequests();

    JsonObject options = new JsonObject().put("remote", stack.url(TestStack.DB)).put("token", stack.token("outage"))
        .put("store", stack.store.url() + "/" + TestStack.DB).put("seconds", 90);
    CompletableFuture<JsonObject> pull = CompletableFuture.supplyAsync(() -> {
      try {
        return PouchDbClient.run("pull-through-outage.js", options);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    // Mid-replication: documents are being read.
    await().atMost(Duration.ofSeconds(60)).until(() -> stack.sg.publicRequests().stream()
        .filter(seen -> seen.uri().contains("_bulk_get") || seen.uri().contains("/outage-")).count() >= 3);
    stack.sg.stopPublic();
    int before = stack.sg.publicRequests().size();
    TimeUnit.SECONDS.sleep(2);
    stack.sg.startPublic();

    JsonObject result = pull.get(2, TimeUnit.MINUTES);
    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
    assertThat(result.getInteger("received")).isEqualTo(result.getInteger("expected")).isGreaterThanOrEqualTo(600);
    assertThat(stack.sg.publicRequests().size()).as("replication resumed after the restart").isGreaterThan(before);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(stack.syncgate().openConnections()).isZero();
      assertThat(established(stack.port())).as("TCP connections to Syncgate").isZero();
      // Idle keep-alive connections may stay pooled (Syncgate's to SG, the stand-in's to its
      // store), at two descriptors each in this one JVM; a leak per request would be hundreds.
      assertThat(openDescriptors()).isLessThanOrEqualTo(descriptors + 48);
    });
  }

  /** Established TCP connections with {@code port} at either end, from the kernel's tables. */
  private static long established(int port) throws IOException {
    String hex = String.format(":%04X", port);
    long count = 0;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 3 && fields[3].equals("01") && (fields[1].endsWith(hex) || fields[2].endsWith(hex))) {
          count++;
        }
      }
    }
    return count;
  }

  private static String get(String uri) throws IOException {
    return RawHttp.exchange(stack.port(), "GET " + uri + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration.ofSeconds(10));
  }

  private static long openDescriptors() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }
}
