package io.syncgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.FreePort;
import io.syncgate.testing.TestFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's entry point as {@code scripts/demo} runs it, in a JVM of its own: a taken port or a
 * part that cannot start is named, with why, and the demo exits 1 at once; on free ports it starts
 * and says where everything is.
 */
@Timeout(120)
class DemoStackTest {

  private final List<Path> files = new ArrayList<>();

  /** The demo's output (standard output and error together) and how it ended. */
  private record Demo(Process process, Path output) {
    String text() throws IOException {
      return Files.readString(output);
    }
  }

  @AfterEach
  void deleteFiles() {
    files.forEach(TestFiles::delete);
  }

  private Demo start(Map<String, String> env, String... args) throws IOException {
    Path output = TestFiles.file("demo", ".log");
    Path dir = TestFiles.folder("demo");
    files.add(output);
    files.add(dir);
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), DemoStack.class.getName(), "--dir", dir.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(env);
    return new Demo(builder.start(), output);
  }

  private static int exitWithin(Demo demo, Duration bound) throws Exception {
    if (!demo.process().waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      demo.process().destroyForcibly().waitFor();
      throw new AssertionError("the demo was still running after " + bound + ":\n" + demo.text());
    }
    return demo.process().exitValue();
  }

  private static int put(HttpClient http, String url, String bearer, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", bearer)
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void aTakenSyncgatePortIsNamedAndTheDemoExitsAtOnce() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = held.getLocalPort();

      Demo demo = start(Map.of(), "--port", Integer.toString(port), "--web-port", "0");

      assertThat(exitWithin(demo, Duration.ofSeconds(30))).isEqualTo(1);
      assertThat(demo.text()).contains("scripts/demo: port " + port + " on 127.0.0.1, for Syncgate, is taken")
          .contains("choose another, e.g. scripts/demo --port " + (port + 1));
    }
  }

  @Test
  void aTakenWebAppPortIsNamedToo() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = held.getLocalPort();

      Demo demo = start(Map.of(), "--port", "0", "--web-port", Integer.toString(port));

      assertThat(exitWithin(demo, Duration.ofSeconds(30))).isEqualTo(1);
      assertThat(demo.text()).contains("scripts/demo: port " + port + " on 127.0.0.1, for the todo web app, is taken");
    }
  }

  @Test
  void aPartThatFailsToStartIsNamedWithWhyAndTheDemoExits() throws Exception {
    // A Node.js that exits at once: PouchDB Server cannot start.
    Demo demo = start(Map.of("SYNCGATE_NODE", "/bin/false"), "--port", "0", "--web-port", "0");

    assertThat(exitWithin(demo, Duration.ofSeconds(60))).isEqualTo(1);
    assertThat(demo.text()).contains("scripts/demo: the document store (PouchDB Server, from src/test/node) failed to"
        + " start: pouchdb-server exited");
  }

  @Test
  void onFreePortsItStartsSaysWhereEverythingIsAndKeepsEachUsersTodosTheirOwn() throws Exception {
    int webPort = FreePort.next();
    Demo demo = start(Map.of(), "--port", "0", "--web-port", Integer.toString(webPort));
    try {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !demo.process().isAlive()
          || demo.text().contains("Ctrl-C stops everything."));
      String text = demo.text();
      assertThat(demo.process().isAlive()).as(text).isTrue();
      assertThat(text).contains("The todo web app: http://127.0.0.1:" + webPort + "/");
      Matcher readyz = Pattern.compile("management (http://127\\.0\\.0\\.1:\\d+/readyz)").matcher(text);
      assertThat(readyz.find()).as(text).isTrue();

      HttpClient http = HttpClient.newHttpClient();
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> http.send(
          HttpRequest.newBuilder(URI.create(readyz.group(1))).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode() == 200);

      // Each user writes only to their own channel, as the printed example does.
      Matcher base = Pattern.compile("Syncgate on (http://127\\.0\\.0\\.1:\\d+/sync/todo) ").matcher(text);
      Matcher token = Pattern.compile("A token for user demo-user, valid 12 h, is in (\\S+)\\. ").matcher(text);
      assertThat(base.find() && token.find()).as(text).isTrue();
      assertThat(text).contains("\"channels\":[\"user-demo-user\"]");
      String bearer = "Bearer " + Files.readString(Path.of(token.group(1))).strip();
      assertThat(put(http, base.group(1) + "/mine", bearer, "{\"channels\":[\"user-demo-user\"]}")).isEqualTo(201);
      assertThat(put(http, base.group(1) + "/theirs", bearer, "{\"channels\":[\"user-someone\"]}")).isEqualTo(403);
      assertThat(put(http, base.group(1) + "/nowhere", bearer, "{\"title\":\"no channels\"}")).isEqualTo(403);
    } finally {
      demo.process().destroy();
      assertThat(exitWithin(demo, Duration.ofSeconds(30))).as("stopped by SIGTERM, as by Ctrl-C").isNotNull();
    }
  }
}
