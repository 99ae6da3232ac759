package io.syncgate;

import io.syncgate.config.ConfigException;
import io.syncgate.config.ConfigLoader;
import io.syncgate.config.SyncgateConfig;
import io.syncgate.server.Syncgate;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
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
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        syncgate.close().transform(v -> vertx.close()).await();
      }, "syncgate-shutdown"));
      return SERVING;
    } catch (RuntimeException e) {
      log.error("Syncgate cannot start: {}", e.getMessage());
      vertx.close();
      return 1;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"syncgate " + (version == null ? "development build" : version)};
    }
  }
}
