package io.syncgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.RecordedExchange.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The stand-in held to Sync Gateway 4.0.0's own answers: every exchange recorded in
 * {@code src/test/resources/sync-gateway-4.0-responses} (copied by {@code scripts/update-sg-responses};
 * its README gives the format) is replayed against the stand-in in file order, with what the
 * recording did off the record done here at the same point, and the answer must have the
 * recorded shape ({@link RecordedShape} states the rules). A case the stand-in does not honour
 * is listed in {@link #NOT_HONOURED} with the reason; it must still differ, so the list only
 * shrinks.
 *
 * <p>The recording's database ran {@code channel(doc.channels)}; so does the stand-in's here
 * ({@link StandInChannels.SyncFunction#CHANNELS_ONLY}).
 *
 * <p>The recording's admin port had no authentication; the stand-in's has Syncgate's RBAC user,
 * whose credentials are added to every admin request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyncGateway4ContractTest {

  /** The one place for cases the stand-in cannot honour, each with why. */
  static final Map<String, String> NOT_HONOURED = notHonoured();

  private static Map<String, String> notHonoured() {
    // Empty since the stand-in honours all 99: a case that comes to differ is fixed, or listed
    // here with the reason.
    return Map.of();
  }

  private static final Path CASES = resource("sync-gateway-4.0-responses");
  private static final Map<String, String> ADMIN = Map.of("Authorization", "Basic " + Base64.getEncoder()
      .encodeToString((SyncGatewayStandIn.ADMIN_USER + ":" + SyncGatewayStandIn.ADMIN_PASSWORD)
          .getBytes(StandardCharsets.UTF_8)));
  /** Cases before which the recording opened a new session for alice through the admin API. */
  private static final Set<Integer> FRESH_SESSION = Set.of(18, 30, 86, 89);

  private Vertx vertx;
  private PouchDbServer store;
  private SyncGatewayStandIn sg;
  private final RecordedShape shape = new RecordedShape();
  /** Alice's session as the recording's {@code <SID>} stands for it at this point of the replay. */
  private String sid = "no-session-yet";

  @BeforeAll
  void start() throws Exception {
    vertx = Vertx.vertx();
    store = PouchDbServer.start();
    store.createDatabase("db");
    sg = SyncGatewayStandIn.start(vertx, MutableClock.startingNow(), Set.of("db"), store.url());
    // The recording's database ran channel(doc.channels) (its README).
    sg.channels().enable("db", StandInChannels.SyncFunction.CHANNELS_ONLY);
  }

  @AfterAll
  void stop() throws Exception {
    sg.close();
    vertx.close().await();
    store.close();
  }

  @TestFactory
  Stream<DynamicTest> everyRecordedExchangeInOrder() throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(CASES)) {
      files = listing.filter(p -> p.getFileName().toString().matches("\\d\\d-.*\\.json")).sorted().toList();
    }
    assertThat(files).hasSize(99);
    assertThat(NOT_HONOURED.keySet()).as("cases listed as not honoured that do not exist")
        .allMatch(name -> files.stream().anyMatch(f -> f.getFileName().toString().equals(name)));
    return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> replay(file)));
  }

  private void replay(Path file) throws Exception {
    RecordedExchange exchange = RecordedExchange.read(file);
    int number = Integer.parseInt(exchange.file().substring(0, 2));
    offTheRecord(number);
    Answer answer = exchange.send(exchange.admin() ? sg.adminUrl().getPort() : sg.publicUrl().getPort(),
        text -> shape.substitute(text.replace("<SID>", sid)), exchange.admin() ? ADMIN : Map.of());
    List<String> differences = shape.differences(exchange, answer);
    if (number == 12 && answer.status() == 200) {
      sid = new JsonObject(answer.body()).getString("session_id");
    }
    String reason = NOT_HONOURED.get(exchange.file());
    if (reason == null) {
      assertThat(differences).as(exchange.file() + " differs from Sync Gateway 4.0's answer").isEmpty();
    } else {
      assertThat(differences).as(exchange.file() + " is listed as not honoured (" + reason
          + ") but now matches: take it off the list").isNotEmpty();
    }
  }

  /** What the recording did between its cases (its README: "created off-record", "written off-record"). */
  private void offTheRecord(int number) throws Exception {
    if (number == 10) {
      assertThat(admin("PUT", "/db/_user/carol", "{\"password\":\"letmein1\",\"admin_channels\":[\"ch-c\"]}")).isEqualTo(201);
    }
    if (FRESH_SESSION.contains(number)) {
      sid = sg.openSession("db", "alice", Duration.ofDays(1));
    }
    if (number == 48) {
      write("doc2", "{\"channels\":[\"ch-a\"],\"n\":2}", "1-3113923a6957399407e6b65286581331");
      write("secret", "{\"channels\":[\"ch-secret\"]}", "1-78120c240c935db324b299fc0b3a0643");
    }
    if (number == 69) {
      // Between 68 and 69: in the recording's feed (99) they follow 68's documents.
      write("bgbig", "{\"channels\":[\"ch-a\"],\"kind\":\"big\",\"_attachments\":{\"big.txt\":{\"content_type\":"
          + "\"text/plain\",\"data\":\"" + Base64.getEncoder().encodeToString(
              "0123456789abcdef".repeat(32).getBytes(StandardCharsets.US_ASCII)) + "\"}}}",
          "1-02294df65d37cc04fd8bc7efc42ae533");
      write("bgsmall", "{\"channels\":[\"ch-a\"],\"kind\":\"small\",\"_attachments\":{\"small.txt\":{\"content_type\":"
          + "\"text/plain\",\"data\":\"dGlueQ==\"}}}", "1-2deeb20c19a631ce62c7aa01427cd1ff");
    }
  }

  private int admin(String method, String path, String body) throws IOException {
    String raw = RawHttp.exchange(sg.adminUrl().getPort(), method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nAuthorization: " + ADMIN.get("Authorization") + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body, Duration.ofSeconds(10));
    return RecordedExchange.parse(raw).status();
  }

  /** Writes a document as alice did, holding the recording's revision id to the one the stand-in made. */
  private void write(String id, String body, String recordedRev) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String raw = RawHttp.exchange(sg.publicUrl().getPort(), "PUT /db/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nCookie: " + SyncGatewayStandIn.COOKIE_NAME + "=" + sid + "\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n" + body, Duration.ofSeconds(10));
    Answer answer = RecordedExchange.parse(raw);
    assertThat(answer.status()).as("off-record write of " + id + ": " + answer.body()).isEqualTo(201);
    shape.learn(recordedRev, new JsonObject(answer.body()).getString("rev"));
  }

  private static Path resource(String name) {
    try {
      return Path.of(SyncGateway4ContractTest.class.getClassLoader().getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
