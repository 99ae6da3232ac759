package io.syncgate.server;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What reading the request target costs on every request: the screen for hostile paths, and the
 * parse into keyspace, database and the URI sent on to the backend.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class InboundPathBenchmark {

  private final String base = "/sync";
  private final List<String> databases = List.of("todo", "notes", "inventory");
  /** PouchDB's live pull: a long-poll changes feed. */
  private final String changesFeed =
      "/sync/todo/_changes?style=all_docs&since=8431&limit=100&feed=longpoll&heartbeat=10000&timeout=300000";
  /** A document of a Sync Gateway 3.x collection, its id percent-encoded. */
  private final String keyspaceDocument = "/sync/todo.tenant_a.tasks/task%3A2024-11-29%3A7f3a9c?revs=true&latest=true";
  private final String plainPath = "/sync/todo/_changes";
  private final String encodedPath = "/sync/todo.tenant_a.tasks/task%3A2024-11-29%3A7f3a9c";

  @Setup
  public void checkTheInputsAreAccepted() {
    // Each throws for a path it refuses: the benchmarks measure the path every request takes.
    rejectHostilePlainPath();
    rejectHostileEncodedPath();
    if (!parseKeyspaceDocument().isKeyspace() || !parseChangesFeed().database().equals("todo")) {
      throw new IllegalStateException("the benchmark's request targets parse otherwise than expected");
    }
  }

  @Benchmark
  public InboundPath parseChangesFeed() {
    return InboundPath.parse(changesFeed, base, databases);
  }

  @Benchmark
  public InboundPath parseKeyspaceDocument() {
    return InboundPath.parse(keyspaceDocument, base, databases);
  }

  @Benchmark
  public void rejectHostilePlainPath() {
    InboundPath.rejectHostile(plainPath);
  }

  /** A dot and percent-encoding in one path: both send its segment through decoding. */
  @Benchmark
  public void rejectHostileEncodedPath() {
    InboundPath.rejectHostile(encodedPath);
  }
}
