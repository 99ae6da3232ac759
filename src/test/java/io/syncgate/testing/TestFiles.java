package io.syncgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where fixtures keep the files of the processes they start (configurations, logs, PouchDB
 * Server's folder): {@code target/test-files}, never the system's temporary directory, which a
 * suite run would otherwise fill a little more each time. Each fixture deletes its own files when
 * it closes; what a killed run leaves goes with {@code target/}.
 */
public final class TestFiles {

  private TestFiles() {}

  public static Path directory() {
    Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target/test-files");
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new empty file named {@code prefix…suffix}. */
  public static Path file(String prefix, String suffix) throws IOException {
    return Files.createTempFile(directory(), prefix, suffix);
  }

  /** A new empty folder named {@code prefix…}. */
  public static Path folder(String prefix) throws IOException {
    return Files.createTempDirectory(directory(), prefix);
  }

  /** Deletes {@code path}, a folder with everything in it; what cannot be deleted stays. */
  public static void delete(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      all.sorted(Comparator.reverseOrder()).forEach(each -> each.toFile().delete());
    } catch (IOException e) {
      // Left for target/ to take.
    }
  }
}
