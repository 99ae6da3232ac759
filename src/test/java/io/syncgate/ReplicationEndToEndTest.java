package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.PouchDbClient;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real thing: the {@code pouchdb} client in Node replicates both ways through Syncgate to the
 * Sync Gateway stand-in and the PouchDB Server behind it, once signed in with a cookie and once
 * with nothing but a bearer token on every request.
 */
class ReplicationEndToEndTest {

  private static final int DOCS = 200;
  private static final int ATTACHMENT_BYTES = 1_200_000;
  private static final String SEEDED = "server-attachment";

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static byte[] seededAttachment;

  @BeforeAll
  static void seedTheServer() throws Exception {
    seededAttachment = new byte[1_500_000];
    new Random(42).nextBytes(seededAttachment);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(storeUri("/" + SEEDED + "/blob"))
            .header("content-type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(seededAttachment)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    for (int i = 0; i < 50; i++) {
      http.send(HttpRequest.newBuilder(storeUri("/server-" + i)).header("content-type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"from\":\"server\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Test
  void aCookieClientSignsInAndReplicatesBothWaysAndLive() throws Exception {
    JsonObject result = PouchDbClient.run(options("cookie", "cookie-client", stack.token("cookie-user")));

    assertReplicated(result, "cookie-client");
    assertThat(result.getJsonObject("signIn").getInteger("status")).isEqualTo(200);
    assertThat(stack.sg.publicRequests())
        .allSatisfy(seen -> assertThat(seen.headers().get("cookie")).startsWith("SyncGatewaySession="))
        .noneSatisfy(seen -> assertThat(seen.headers().contains("authorization")).isTrue());
  }

  @Test
  void aBearerOnlyClientReplicatesWithoutEverHoldingACookie() throws Exception {
    String token = stack.token("bearer-user");

    JsonObject result = PouchDbClient.run(options("bearer", "bearer-client", token));

    assertReplicated(result, "bearer-client");
    assertThat(result.getBoolean("setCookieSeen")).as("Set-Cookie reached a bearer client").isFalse();
    assertThat(stack.sg.publicRequests()).isNotEmpty()
        .allSatisfy(seen -> assertThat(seen.headers().get("cookie")).startsWith("SyncGatewaySession="))
        .allSatisfy(seen -> assertThat(seen.headers().contains("authorization")).isFalse())
        .noneSatisfy(seen -> assertThat(String.valueOf(seen.headers())).contains(token));
    // One session served the whole replication.
    assertThat(stack.sg.adminRequests()).filteredOn(seen -> seen.method().equals("POST"))
        .extracting(Seen::uri).containsExactly("/todo/_session");
  }

  private static void assertReplicated(JsonObject result, String prefix) throws Exception {
    assertThat(result.getBoolean("ok")).as(result.encodePrettily()).isTrue();
    assertThat(result.getInteger("pushed")).isEqualTo(DOCS + 1);
    assertThat(result.getInteger("pulled")).isGreaterThanOrEqualTo(DOCS + 1 + 51);
    assertThat(result.getString("pulledOwnAttachmentSha256")).isEqualTo(result.getString("pushedAttachmentSha256"));
    assertThat(result.getString("pulledSeededAttachmentSha256")).isEqualTo(sha256(seededAttachment));
    assertThat(result.getString("liveReceived")).isEqualTo(prefix + "-live-from-server");

    // What the client pushed is in the server's store, byte for byte.
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> stored = http.send(HttpRequest.newBuilder(storeUri("/" + prefix + "-attachment/blob")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(stored.statusCode()).isEqualTo(200);
    assertThat(stored.body()).hasSize(ATTACHMENT_BYTES);
    assertThat(sha256(stored.body())).isEqualTo(result.getString("pushedAttachmentSha256"));
    HttpResponse<String> last = http.send(HttpRequest.newBuilder(storeUri("/" + prefix + "-0199")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(new JsonObject(last.body()).getInteger("n")).isEqualTo(199);
  }

  private static JsonObject options(String mode, String prefix, String token) {
    return new JsonObject()
        .put("mode", mode)
        .put("remote", stack.url(TestStack.DB))
        .put("token", token)
        .put("store", stack.store.url() + "/" + TestStack.DB)
        .put("prefix", prefix)
        .put("docs", DOCS)
        .put("attachmentBytes", ATTACHMENT_BYTES)
        .put("seededAttachmentId", SEEDED);
  }

  private static URI storeUri(String path) {
    return URI.create(stack.store.url() + "/" + TestStack.DB + path);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
