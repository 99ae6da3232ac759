package io.syncgate;

import io.syncgate.config.ConfigException;
import io.syncgate.config.ConfigLoader;
import io.syncgate.config.SyncgateConfig;
import io.syncgate.server.Syncgate;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Reads the configuration, checks it, and starts Syncgate until the process is stopped. */
@Command(name = "syncgate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "OpenID Connect sign-in and streaming replication gateway for Couchbase Sync Gateway.")
public final class Main implements Callable<Integer> {

  static final int SERVING = -1;
  static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(5);

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "YAML configuration file (default: $SYNCGATE_CONFIG; SYNCGATE_* variables override keys).")
  Path configFile;

  @Option(names = "--check-config", description = "Validate the configuration, print every problem, and exit.")
  boolean checkOnly;

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
    Path file = configFile != null ? configFile : env.containsKey("SYNCGATE_CONFIG") ? Path.of(env.get("SYNCGATE_CONFIG")) : null;
    SyncgateConfig config;
    try {
      config = ConfigLoader.load(file, env);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 2;
    }
    if (checkOnly) {
      spec.commandLine().getOut().println("configuration is valid");
      return 0;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    Vertx vertx = Vertx.vertx();
    try {
      Syncgate syncgate = Syncgate.start(vertx, config, Clock.systemUTC()).await();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(syncgate, vertx, log), "syncgate-shutdown"));
      return SERVING;
    } catch (RuntimeException e) {
      log.error("Syncgate cannot start: {}", e.getMessage());
      vertx.close();
      return 1;
    }
  }

  /**
   * Stops listening and closes Vert.x, each waited for at most {@link #SHUTDOWN_BOUND}, then ends
   * the process: 0 when everything closed in time, 1 otherwise.
   */
  private static void stop(Syncgate syncgate, Vertx vertx, Logger log) {
    int code = 1;
    try {
      syncgate.close().toCompletionStage().toCompletableFuture().get(SHUTDOWN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      // Awaited from this thread, not chained on an event loop that closing Vert.x terminates:
      // a result posted to a terminated loop is never delivered.
      vertx.close().toCompletionStage().toCompletableFuture().get(SHUTDOWN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      log.info("stopped");
      code = 0;
    } catch (TimeoutException e) {
      log.warn("shutdown did not finish within {}; exiting anyway", SHUTDOWN_BOUND);
    } catch (ExecutionException e) {
      log.warn("shutdown: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The access log is written asynchronously: what it still holds goes out before the end.
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
      logging.stop();
    }
    // A stop on SIGTERM or SIGINT that went as planned is a success (0), not the JVM's 128+signal.
    Runtime.getRuntime().halt(code);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"syncgate " + (version == null ? "development build" : version)};
    }
  }
}
