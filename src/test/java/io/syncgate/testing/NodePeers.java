package io.syncgate.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the npm packages the tests drive live: {@code src/test/node}, installed by {@code npm ci}
 * (the test script in the README does it). A missing install fails loudly instead of skipping.
 */
public final class NodePeers {

  private NodePeers() {}

  public static Path directory() {
    Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("src/test/node");
    if (!Files.isDirectory(dir.resolve("node_modules/pouchdb-server"))) {
      throw new IllegalStateException("npm packages are missing in " + dir
          + ": run `npm ci` there (scripts/test does it)");
    }
    return dir;
  }

  public static Path script(String name) {
    return directory().resolve(name);
  }

  public static String node() {
    return System.getenv().getOrDefault("SYNCGATE_NODE", "node");
  }
}
