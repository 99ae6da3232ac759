package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One user's document cannot take the released jar's memory (issue 15): one 8 MiB attachment and
 * eight small ones (empty, so that the test's store is not the bottleneck) whose {@code content_type}
 * is 1 MiB each, read as JSON {@code _bulk_get} by 30 slow readers through a 128 MB heap. The
 * content types stream through rather than being held; other requests are answered meanwhile, and once the readers are gone the live heap is back
 * within a few MB of where it was.
 */
class HostileAttachmentsHeapIT {

  private static final String DOC = "hostile";
  private static final int READERS = 30;
  private static final int TYPE_LENGTH = 1024 * 1024;
  private static final byte[] BIG = new byte[8 * 1024 * 1024];

  private static TestStack backends;
  private static SyncgateProcess syncgate;
  private static String rev;
  private static String token;
  private static int management;

  @BeforeAll
  static void start() throws Exception {
    new Random(15).nextBytes(BIG);
    backends = TestStack.backendsOnly();
    JsonObject attachments = new JsonObject();
    for (int i = 0; i < 8; i++) {
      attachments.put("small-" + i + ".txt", new JsonObject().put("content_type", ("t" + i).repeat(TYPE_LENGTH / 2))
          .put("data", ""));
    }
    attachments.put("big.bin", new JsonObject().put("content_type", "application/octet-stream")
        .put("data", Base64.getEncoder().encodeToString(BIG)));
    JsonObject doc = new JsonObject().put("_id", DOC).put("n", 1).put("_attachments", attachments);
    JsonObject small = new JsonObject().put("_id", "ordinary").put("n", 2);
    // Past a bound: an attachment that follows, with 100 KiB of content type to keep until its part comes.
    byte[] following = new byte[300];
    JsonObject past = new JsonObject().put("_id", "past-a-bound").put("_attachments", new JsonObject().put("f.bin",
        new JsonObject().put("content_type", "x".repeat(100 * 1024)).put("data", Base64.getEncoder().encodeToString(following))));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(
            URI.create(backends.store.url() + "/" + TestStack.DB + "/_bulk_docs"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("docs", new JsonArray().add(doc).add(small).add(past)).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    rev = new JsonArray(put.body()).getJsonObject(0).getString("rev");
    management = io.syncgate.testing.FreePort.next();
    syncgate = SyncgateProcess.inFrontOf(backends, Map.of("SYNCGATE_MANAGEMENT_PORT", Integer.toString(management)),
        List.of("-Xmx128m"));
    token = backends.token("slow-reader");
  }

  @AfterAll
  static void stop() throws Exception {
    if (syncgate != null) {
      syncgate.close();
    }
    if (backends != null) {
      backends.close();
    }
  }

  @Test
  void thirtySlowReadersOfAHostileDocumentLeaveTheHeapWhereItWasAndOthersAreAnswered() throws Exception {
    readWholeAndCheck();
    long before = liveBytesAfterFullGc();

    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    AtomicBoolean slow = new AtomicBoolean(true);
    List<Future<Long>> readers = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      boolean drain = i % 2 == 0;
      readers.add(pool.submit(() -> slowRead(slow, drain)));
      // Started a little apart: the SG stand-in and its store, not Syncgate, are slow to serve many at once.
      Thread.sleep(250);
    }
    Thread.sleep(8_000);
    long during = liveBytesAfterFullGc();
    for (int i = 0; i < 10; i++) {
      long started = System.nanoTime();
      HttpResponse<String> other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build()
          .send(HttpRequest.newBuilder(uri("/ordinary")).timeout(Duration.ofSeconds(10))
              .header("authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
      assertThat(new JsonObject(other.body()).getInteger("n")).isEqualTo(2);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      // Through the same SG stand-in and store, which the readers load far more than Syncgate.
      assertThat(took).isLessThan(Duration.ofSeconds(10));
      HttpResponse<String> health = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
          .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/healthz"))
              .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
    }
    slow.set(false);
    int complete = 0;
    for (Future<Long> reader : readers) {
      // A whole answer: past the attachments' size, and its last chunk and the end of the JSON came.
      complete += reader.get(120, TimeUnit.SECONDS) > 8L * TYPE_LENGTH + BIG.length * 4L / 3 ? 1 : 0;
    }
    pool.shutdown();
    Thread.sleep(2_000);
    long after = liveBytesAfterFullGc();
    System.out.printf("live heap after full GC: %.1f MB before, %.1f MB with %d slow readers, %.1f MB after"
        + " (%d of %d readers read to the end)%n", before / 1e6, during / 1e6, READERS, after / 1e6, complete, READERS / 2);

    assertThat(complete).as("readers that read every byte of the answer").isPositive();
    assertThat(during - before).as("live bytes with %d readers under way", READERS).isLessThan(32L * 1024 * 1024);
    assertThat(after - before).as("live bytes retained").isLessThan(8L * 1024 * 1024);
    assertThat(syncgate.isAlive()).isTrue();
    assertThat(syncgate.output()).doesNotContain("OutOfMemoryError");
    readWholeAndCheck();
  }

  @Test
  void aDocumentPastABoundCutsItsOwnResponseAloneWithAWarningNamingTheRequest() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> response = null;
    Exception cut = null;
    try {
      response = http.send(HttpRequest.newBuilder(uri("/_bulk_get?revs=true&attachments=true"))
          .header("authorization", "Bearer " + token).header("accept", "application/json")
          .header("content-type", "application/json").header("x-request-id", "past-a-bound-1")
          .POST(HttpRequest.BodyPublishers.ofString("{\"docs\":[{\"id\":\"ordinary\"},{\"id\":\"past-a-bound\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      cut = e;
    }

    // The head was sent before the document was read: the connection closes short of a whole answer.
    assertThat(cut).as("a response cut short, not %s", response).isNotNull();
    // Log lines are written in batches: wait for it rather than a fixed time.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(syncgate.output())
        .containsPattern("WARN .* past-a-bound-1 /sync/todo/_bulk_get: the response was cut short: an attachment"
            + " that follows has over 64 KiB"));
    HttpResponse<String> next = http.send(HttpRequest.newBuilder(uri("/ordinary"))
        .header("authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(syncgate.isAlive()).isTrue();
  }

  /**
   * Reads the answer slowly while {@code slow}, then to its end ({@code drain}) or hangs up; the
   * bytes of a body read to its end, else 0 (hung up) or -1 (cut short).
   */
  private static long slowRead(AtomicBoolean slow, boolean drain) throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", syncgate.port()), 5_000);
      byte[] body = ("{\"docs\":[{\"id\":\"" + DOC + "\",\"rev\":\"" + rev + "\"}]}").getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST " + TestStack.BASE + "/" + TestStack.DB + "/_bulk_get?revs=true&attachments=true HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nAccept: application/json\r\n"
          + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      // The head, then the body: counted without the head.
      long head = headLength(in);
      byte[] chunk = new byte[4096];
      long read = head;
      int n;
      while (slow.get() && (n = in.read(chunk)) >= 0) {
        read += n;
        Thread.sleep(20);
      }
      if (!drain) {
        socket.setSoLinger(true, 0);
        return 0L;
      }
      byte[] fast = new byte[65536];
      byte[] tail = new byte[0];
      while ((n = in.read(fast)) >= 0) {
        read += n;
        byte[] joined = java.util.Arrays.copyOf(tail, tail.length + n);
        System.arraycopy(fast, 0, joined, tail.length, n);
        tail = java.util.Arrays.copyOfRange(joined, Math.max(0, joined.length - 16), joined.length);
      }
      return new String(tail, StandardCharsets.ISO_8859_1).endsWith("]}\n\r\n0\r\n\r\n") ? read - head : -1;
    }
  }

  /** Reads a response head byte by byte; its length. */
  private static long headLength(InputStream in) throws Exception {
    int matched = 0;
    long length = 0;
    int b;
    while (matched < 4 && (b = in.read()) >= 0) {
      length++;
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
    }
    return length;
  }

  /** One ordinary read of the document: its attachments whole, the content types as long as written. */
  private static void readWholeAndCheck() throws Exception {
    HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(HttpRequest.newBuilder(uri("/_bulk_get?revs=true&attachments=true"))
            .header("authorization", "Bearer " + token).header("accept", "application/json")
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"docs\":[{\"id\":\"" + DOC + "\",\"rev\":\"" + rev + "\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject doc = new JsonObject(response.body()).getJsonArray("results").getJsonObject(0).getJsonArray("docs")
        .getJsonObject(0).getJsonObject("ok");
    JsonObject attachments = doc.getJsonObject("_attachments");
    assertThat(attachments.size()).isEqualTo(9);
    assertThat(Base64.getDecoder().decode(attachments.getJsonObject("big.bin").getString("data"))).isEqualTo(BIG);
    for (int i = 0; i < 8; i++) {
      assertThat(attachments.getJsonObject("small-" + i + ".txt").getString("content_type")).hasSize(TYPE_LENGTH);
    }
  }

  /** The process's live heap: {@code jcmd GC.class_histogram} runs a full GC first, then totals what survived. */
  private static long liveBytesAfterFullGc() throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(syncgate.pid()), "GC.class_histogram").redirectErrorStream(true).start();
    String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jcmd.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String[] lines = output.strip().split("\n");
    String[] total = lines[lines.length - 1].trim().split("\\s+");
    assertThat(total[0]).as(output.length() > 2000 ? output.substring(output.length() - 2000) : output).isEqualTo("Total");
    return Long.parseLong(total[2]);
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + syncgate.port() + TestStack.BASE + "/" + TestStack.DB + path);
  }
}
