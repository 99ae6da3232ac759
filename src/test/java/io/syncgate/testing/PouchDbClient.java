package io.syncgate.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code pouchdb} client in Node, one process per client (PouchDB keeps one cookie jar
 * per process), running a script of {@code src/test/node} ({@code replicate.js}: push, pull and
 * live; {@code pull.js}: pull and live pull, checked against the store) and answering its JSON result.
 */
public final class PouchDbClient {

  private PouchDbClient() {}

  public static JsonObject run(JsonObject options) throws IOException, InterruptedException {
    return run("replicate.js", options);
  }

  /** Runs {@code script} of {@code src/test/node} with {@code options}. */
  public static JsonObject run(String script, JsonObject options) throws IOException, InterruptedException {
    Path out = TestFiles.file("pouchdb-client", ".out");
    Path log = TestFiles.file("pouchdb-client", ".log");
    try {
      return run(script, options, out, log);
    } finally {
      TestFiles.delete(out);
      TestFiles.delete(log);
    }
  }

  private static JsonObject run(String script, JsonObject options, Path out, Path log)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(NodePeers.node(), NodePeers.script(script).toString(), options.encode())
        .directory(NodePeers.directory().toFile())
        .redirectOutput(out.toFile())
        .redirectError(log.toFile())
        .start();
    if (!process.waitFor(3, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      throw new IOException("the PouchDB client did not finish; stderr: " + Files.readString(log));
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    List<String> lines = stdout.lines().filter(line -> line.startsWith("{")).toList();
    if (lines.isEmpty()) {
      throw new IOException("the PouchDB client printed no result; stdout: " + stdout
          + "; stderr: " + Files.readString(log));
    }
    return new JsonObject(lines.get(lines.size() - 1));
  }
}
