package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 100 MB attachment pulled through the JSON {@code _bulk_get} path of the released jar, run with
 * a 96 MB heap: SG's multipart answer is re-encoded as base64 while it streams, never held.
 */
class LargeAttachmentBulkGetIT {

  private static final long SIZE = 100L * 1024 * 1024;
  private static final String DOC = "big-attachment";

  private static TestStack backends;
  private static SyncgateProcess syncgate;
  private static int port;
  private static String rev;

  @BeforeAll
  static void start() throws Exception {
    backends = TestStack.backendsOnly();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(
            URI.create(backends.store.url() + "/" + TestStack.DB + "/" + DOC + "/video.bin"))
        .header("content-type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(SIZE))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    rev = new JsonObject(put.body()).getString("rev");

    syncgate = SyncgateProcess.inFrontOf(backends,
        Map.of(), List.of("-Xmx96m"));
    port = syncgate.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (syncgate != null) {
      syncgate.close();
    }
    backends.close();
  }

  @Test
  void aHundredMegabyteAttachmentStreamsAsBase64ThroughANinetySixMegabyteHeap() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String body = "{\"docs\":[{\"id\":\"" + DOC + "\",\"rev\":\"" + rev + "\"}]}";
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + TestStack.BASE + "/" + TestStack.DB + "/_bulk_get?attachments=true&revs=true"))
        .header("authorization", "Bearer " + backends.token("big-reader"))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    MessageDigest received = MessageDigest.getInstance("SHA-256");
    long bytes = 0;
    String id = null;
    try (JsonParser parser = new JsonFactory().createParser(response.body())) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.FIELD_NAME && parser.currentName().equals("_id")) {
          id = parser.nextTextValue();
        } else if (token == JsonToken.FIELD_NAME && parser.currentName().equals("data")) {
          parser.nextToken();
          try (OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), received)) {
            bytes = parser.readBinaryValue(sink);
          }
        }
      }
    }

    assertThat(id).isEqualTo(DOC);
    assertThat(bytes).isEqualTo(SIZE);
    assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(expectedSha256());
    assertThat(syncgate.isAlive()).isTrue();
    assertThat(syncgate.output()).doesNotContain("OutOfMemoryError");
  }

  private static String expectedSha256() throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new Generated(SIZE)) {
      byte[] chunk = new byte[65536];
      int read;
      while ((read = in.read(chunk)) > 0) {
        digest.update(chunk, 0, read);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** {@code size} pseudo-random bytes, the same every time however they are read, never all in memory. */
  private static final class Generated extends InputStream {
    private final long size;
    private long position;

    Generated(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      return position < size ? at(position++) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - position);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) at(position++);
      }
      return n;
    }

    /** A SplitMix64 step of the 8-byte block, one byte of it. */
    private static int at(long position) {
      long z = (position >>> 3) * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      return (int) (z >>> ((position & 7) * 8)) & 0xff;
    }
  }
}
