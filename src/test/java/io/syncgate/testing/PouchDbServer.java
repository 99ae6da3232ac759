package io.syncgate.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real PouchDB Server (npm {@code pouchdb-server}), in memory, on 127.0.0.1 and a free port,
 * started in a folder of its own because it writes its log and config into the working directory.
 */
public final class PouchDbServer implements AutoCloseable {

  private final Process process;
  private final URI url;
  private final Path workDir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private PouchDbServer(Process process, URI url, Path workDir) {
    this.process = process;
    this.url = url;
    this.workDir = workDir;
  }

  public static PouchDbServer start() throws IOException, InterruptedException {
    Path bin = NodePeers.script("pouchdb-server.js");
    Path workDir = TestFiles.folder("pouchdb-server");
    IOException last = new IOException("pouchdb-server did not start");
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = FreePort.next();
      Process process = new ProcessBuilder(NodePeers.node(), bin.toString(),
          "--host", "127.0.0.1", "--port", Integer.toString(port), "--in-memory", "--no-stdout-logs")
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(workDir.resolve("stdout.log").toFile())
          .start(); // stdin stays a pipe: the server exits when this JVM does
      PouchDbServer server = new PouchDbServer(process, URI.create("http://127.0.0.1:" + port), workDir);
      try {
        server.awaitUp();
        return server;
      } catch (IOException e) {
        process.destroyForcibly().waitFor();
        last = e;
      }
    }
    TestFiles.delete(workDir);
    throw last;
  }

  public URI url() {
    return url;
  }

  public void createDatabase(String db) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(url.resolve("/" + db)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IOException("PouchDB Server did not create " + db + ": " + response.body());
    }
  }

  /** The {@code title} of every document in {@code db}, as stored. */
  public java.util.List<String> allDocTitles(String db) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(url.resolve("/" + db + "/_all_docs?include_docs=true")).build(),
        HttpResponse.BodyHandlers.ofString());
    java.util.List<String> titles = new java.util.ArrayList<>();
    new io.vertx.core.json.JsonObject(response.body()).getJsonArray("rows").forEach(row ->
        titles.add(((io.vertx.core.json.JsonObject) row).getJsonObject("doc").getString("title")));
    return titles;
  }

  private void awaitUp() throws IOException {
    try {
      Awaitility.await("pouchdb-server on " + url)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(this::answers);
    } catch (ConditionTimeoutException e) {
      throw new IOException("pouchdb-server did not come up on " + url + ": "
          + Files.readString(workDir.resolve("stdout.log")));
    }
  }

  private boolean answers() throws IOException {
    if (!process.isAlive()) {
      throw new IOException("pouchdb-server exited: " + Files.readString(workDir.resolve("stdout.log")));
    }
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("Welcome");
    } catch (IOException e) {
      return false; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    TestFiles.delete(workDir);
  }
}
