package io.syncgate;

import io.syncgate.config.ConfigException;
import io.syncgate.config.ConfigLoader;
import io.syncgate.config.SyncgateConfig;
import io.syncgate.server.FatalErrors;
import io.syncgate.server.Syncgate;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Reads the configuration, checks it, and starts Syncgate until the process is stopped. */
@Command(name = "syncgate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "OpenID Connect sign-in and streaming replication gateway for Couchbase Sync Gateway.")
public final class Main implements Callable<Integer> {

  static final int SERVING = -1;
  /** Beyond the drain timeout, what closing the rest (Vert.x, pools) may take before the process exits anyway. */
  static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(5);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "YAML configuration file (default: $SYNCGATE_CONFIG; SYNCGATE_* variables override keys).")
  Path configFile;

  @Option(names = "--check-config", description = "Validate the configuration, print every problem, and exit.")
  boolean checkOnly;

  @Option(names = "--connect", description = "With --check-config: also fetch each identity provider's keys and ask"
      + " Sync Gateway's Admin API about each database with the configured credentials; exit 1 if any fails.")
  boolean connect;

  @Spec
  CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;

  Main(Map<String, String> env) {
    this.env = env;
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    int code = new CommandLine(new Main(System.getenv())).execute(args);
    if (code != SERVING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    if (connect && !checkOnly) {
      spec.commandLine().getErr().println("--connect goes with --check-config");
      return 2;
    }
    Path file = configFile != null ? configFile : env.containsKey("SYNCGATE_CONFIG") ? Path.of(env.get("SYNCGATE_CONFIG")) : null;
    SyncgateConfig config;
    try {
      config = ConfigLoader.load(file, env);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 2;
    }
    if (checkOnly) {
      return connect ? checkConnections(config) : valid();
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    Vertx vertx = Vertx.vertx();
    FatalErrors.install(vertx, code -> {
      flushLogs();
      Runtime.getRuntime().halt(code);
    });
    try {
      Syncgate syncgate = Syncgate.start(vertx, config, Clock.systemUTC()).await();
      Duration bound = config.shutdown().drainTimeout().plus(SHUTDOWN_MARGIN);
      onStopSignals(() -> stop(syncgate, vertx, log, bound), log);
      return SERVING;
    } catch (RuntimeException e) {
      log.error("Syncgate cannot start: {}", e.getMessage());
      vertx.close();
      return 1;
    }
  }

  private int valid() {
    spec.commandLine().getOut().println("configuration is valid");
    return 0;
  }

  /** The configuration is valid; whether what it names answers: 0 when everything does, 1 otherwise. */
  private int checkConnections(SyncgateConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> problems = Syncgate.checkConnections(vertx, config).await();
      if (problems.isEmpty()) {
        spec.commandLine().getOut().println("configuration is valid; the identity provider's keys load and Sync Gateway"
            + " serves " + config.syncGateway().databases() + " to Syncgate's admin credentials");
        return 0;
      }
      spec.commandLine().getErr().println("configuration is valid, but:\n  " + String.join("\n  ", problems));
      return 1;
    } finally {
      vertx.close();
    }
  }

  /**
   * SIGTERM or SIGINT starts a graceful stop on a thread of its own; a second one, while it runs,
   * ends the process at once with the shell's 128 + signal number. Where the JVM cannot take the
   * signals over, a shutdown hook runs the same stop.
   */
  private static void onStopSignals(Runnable stop, Logger log) {
    AtomicBoolean signalled = new AtomicBoolean();
    try {
      SignalHandler handler = signal -> {
        if (!signalled.compareAndSet(false, true)) {
          log.warn("second SIG{}: exiting at once", signal.getName());
          Runtime.getRuntime().halt(128 + signal.getNumber());
        }
        new Thread(stop, "syncgate-shutdown").start();
      };
      Signal.handle(new Signal("TERM"), handler);
      Signal.handle(new Signal("INT"), handler);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop, "syncgate-shutdown"));
    }
  }

  /**
   * Drains and stops Syncgate, then closes Vert.x, together within {@code bound}, then ends the
   * process: 0 when everything closed in time, 1 otherwise.
   */
  private static void stop(Syncgate syncgate, Vertx vertx, Logger log, Duration bound) {
    int code = 1;
    long deadline = System.nanoTime() + bound.toNanos();
    try {
      syncgate.close().toCompletionStage().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
      // Awaited from this thread, not chained on an event loop that closing Vert.x terminates:
      // a result posted to a terminated loop is never delivered.
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      vertx.close().toCompletionStage().toCompletableFuture().get(left, TimeUnit.MILLISECONDS);
      log.info("stopped");
      code = 0;
    } catch (TimeoutException e) {
      log.warn("shutdown did not finish within {} ms; exiting anyway", bound.toMillis());
    } catch (ExecutionException e) {
      log.warn("shutdown: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushLogs();
    // A stop on SIGTERM or SIGINT that went as planned is a success (0), not the JVM's 128+signal.
    Runtime.getRuntime().halt(code);
  }

  /** Log lines are written asynchronously: what is still queued goes out before the end. */
  private static void flushLogs() {
    try {
      if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
        logging.stop();
      }
    } catch (Throwable ignored) {
      // Out of memory, say: the exit matters more than the last lines.
    }
  }

  /** The version and the commit the build came from, as the build wrote them ({@code io/syncgate/build.properties}). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      Properties build = new Properties();
      try (var in = Main.class.getResourceAsStream("build.properties")) {
        if (in != null) {
          build.load(in);
        }
      }
      String commit = build.getProperty("git.commit.id.abbrev", "");
      return new String[] {"syncgate " + build.getProperty("git.build.version", "development build")
          + (commit.isEmpty() || commit.startsWith("${") ? " (commit unknown)"
          : " (commit " + commit + (Boolean.parseBoolean(build.getProperty("git.dirty")) ? ", with uncommitted changes" : "")
          + ")")};
    }
  }
}
