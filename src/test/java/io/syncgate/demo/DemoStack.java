package io.syncgate.demo;

import io.syncgate.config.ConfigLoader;
import io.syncgate.server.Syncgate;
import io.syncgate.testing.FreePort;
import io.syncgate.testing.PouchDbServer;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.TestIdentityProvider;
import io.syncgate.testing.TestStack;
import io.syncgate.testing.WebApp;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local demo behind {@code scripts/demo}: an OpenID Connect provider, the Sync Gateway
 * stand-in with PouchDB Server behind it, Syncgate in front, and the todo web app, all on
 * 127.0.0.1. Syncgate and the web app take the ports a person types (8080 and 8000 unless
 * {@code --port} and {@code --web-port} say otherwise, 0 for any free one); everything else takes
 * free ports. A taken port or a part that fails to start is named, with why, and the demo exits
 * 1 at once, stopping what it had started. It prints where everything is and runs until Ctrl-C.
 *
 * <p>Each user's todos are their own, as docs/web-apps.md sets up a real Sync Gateway: the
 * stand-in plays the sync function there ({@link io.syncgate.testing.StandInChannels}), and
 * Syncgate gives every user the channel {@code user-{name}}, which the web app writes its todos to.
 */
public final class DemoStack {

  private static final Logger log = LoggerFactory.getLogger(DemoStack.class);

  static final String DB = "todo";
  static final String ISSUER_ID = "demo";
  static final String AUDIENCE = "syncgate";
  static final int SYNCGATE_PORT = 8080;
  static final int WEB_APP_PORT = 8000;
  static final String DEMO_USER = "demo-user";

  /** Why the demo cannot run, said as a person needs it; the demo exits 1 with it. */
  static final class DemoFailure extends Exception {
    DemoFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** What has been started, stopped in reverse at the end (or at a failed start). */
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  private DemoStack() {}

  public static void main(String[] args) {
    DemoStack demo = new DemoStack();
    try {
      demo.run(args);
    } catch (DemoFailure e) {
      System.err.println("scripts/demo: " + e.getMessage());
      demo.stop();
      System.exit(1);
    } catch (Exception e) {
      System.err.println("scripts/demo: failed: " + e);
      demo.stop();
      System.exit(1);
    }
  }

  private void run(String[] args) throws Exception {
    Options options = Options.parse(args);
    // Checked before anything starts: a taken port fails the demo in a second, not after the rest.
    int syncgatePort = port("Syncgate", "--port", options.syncgatePort());
    int webAppPort = port("the todo web app", "--web-port", options.webAppPort());
    Path dir = Files.createDirectories(options.dir());

    Clock clock = Clock.systemUTC();
    Vertx vertx = Vertx.vertx();
    started.push(() -> vertx.close().await());
    TestIdentityProvider idp = part("the OpenID Connect provider (mock-oauth2-server)",
        () -> TestIdentityProvider.start("RS256", clock, Map.of(ISSUER_ID, AUDIENCE)));
    PouchDbServer store = part("the document store (PouchDB Server, from src/test/node)", () -> {
      PouchDbServer server = PouchDbServer.start();
      started.push(server);
      server.createDatabase(DB);
      return server;
    });
    SyncGatewayStandIn sg = part("the Sync Gateway stand-in",
        () -> SyncGatewayStandIn.start(vertx, clock, Set.of(DB), store.url()));
    sg.channels().enable(DB);

    // Syncgate runs here as `bin/syncgate --config target/demo/syncgate.yaml` would, in this JVM
    // so that Ctrl-C, or any end of it, stops the whole stack at once.
    Path config = dir.resolve("syncgate.yaml");
    String webApp = "http://127.0.0.1:" + webAppPort;
    Files.writeString(config, "# Written by scripts/demo. Every key: docs/configuration.md\n"
        + TestStack.yaml(syncgatePort, idp.issuer(ISSUER_ID), AUDIENCE, sg, List.of(DB))
        + "cors:\n  " + DB + ":\n    origins: [\"" + webApp + "\"]\n"
        + "provisioning:\n  " + DB + ":\n    channels: [\"" + WebApp.CHANNEL + "\"]   # each user's own channel\n");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
    Syncgate syncgate = part("Syncgate", () -> Syncgate.start(vertx, ConfigLoader.load(config, env), clock).await());
    started.push(() -> syncgate.close().await());
    // The web app on an origin of its own, as usual: Syncgate's CORS lets it in.
    WebApp app = part("the todo web app", () -> WebApp.start(vertx, webAppPort, idp.issuer(ISSUER_ID), AUDIENCE,
        "http://127.0.0.1:" + syncgatePort + "/sync", DB));
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "demo-shutdown"));

    String token = idp.token(ISSUER_ID, DEMO_USER, AUDIENCE, 12 * 3600);
    String channel = WebApp.CHANNEL.replace("{name}", DEMO_USER);
    Files.writeString(dir.resolve("token"), token);
    String base = "http://127.0.0.1:" + syncgatePort + "/sync/" + DB;
    log.info(String.join("\n", List.of(
        "",
        "Syncgate demo. The todo web app: " + webApp + "/ (sign in with any user name; open it in two"
            + " browsers to see sync)",
        "Syncgate on " + base + " (management " + "http://127.0.0.1:" + syncgate.managementPort() + "/readyz)"
            + ", Sync Gateway stand-in on " + sg.publicUrl() + " (admin " + sg.adminUrl() + "),"
            + " documents in PouchDB Server " + store.url() + ", OpenID Connect provider " + idp.issuer(ISSUER_ID),
        "Configuration: " + config + ". A token for user " + DEMO_USER + ", valid 12 h, is in "
            + dir.resolve("token") + ". Each user reads and writes only their own channel, " + channel + " for "
            + DEMO_USER + " (docs/web-apps.md). Try:",
        "  TOKEN=$(cat " + dir.resolve("token") + ")",
        "  curl -i -X POST -H \"Authorization: Bearer $TOKEN\" " + base + "/_session",
        "  curl -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"title\":\"hello\","
            + "\"channels\":[\"" + channel + "\"]}' " + base + "/first-doc",
        "  curl -H \"Authorization: Bearer $TOKEN\" '" + base + "/_all_docs?include_docs=true'",
        "  curl -i " + base + "/_all_docs      # no credentials: 401",
        "Or replicate with PouchDB: new PouchDB('" + base + "', {fetch: (url, opts) => {"
            + " opts.headers.set('Authorization', 'Bearer ' + TOKEN); return PouchDB.fetch(url, opts); }})",
        "Ctrl-C stops everything.")));
    new CountDownLatch(1).await();
  }

  /** {@code wanted}, if nothing listens on it; any free port for 0. */
  private static int port(String part, String flag, int wanted) throws DemoFailure {
    if (wanted == 0) {
      return FreePort.next();
    }
    try (ServerSocket probe = new ServerSocket(wanted, 1, InetAddress.getByName("127.0.0.1"))) {
      return wanted;
    } catch (IOException e) {
      throw new DemoFailure("port " + wanted + " on 127.0.0.1, for " + part + ", is taken (" + e.getMessage()
          + "): stop what uses it (ss -ltnp 'sport = :" + wanted + "' names it) or choose another, e.g. scripts/demo "
          + flag + " " + (wanted + 1) + " (0: any free port)");
    }
  }

  /** Starts one part; a failure names the part and why. */
  private <T> T part(String name, Callable<T> start) throws DemoFailure {
    try {
      T part = start.call();
      if (part instanceof AutoCloseable closeable && !started.contains(closeable)) {
        started.push(closeable);
      }
      return part;
    } catch (Exception e) {
      String why = e.getMessage() != null ? e.getMessage() : e.toString();
      throw new DemoFailure(name + " failed to start: " + why.strip());
    }
  }

  private synchronized void stop() {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        log.warn("demo shutdown: {}", e.toString());
      }
    }
  }

  /** {@code --port N} (Syncgate), {@code --web-port N} (the web app), {@code --dir DIR} (its files). */
  record Options(int syncgatePort, int webAppPort, Path dir) {
    static Options parse(String[] args) throws DemoFailure {
      int syncgate = SYNCGATE_PORT;
      int web = WEB_APP_PORT;
      Path dir = Path.of("target/demo").toAbsolutePath();
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--port" -> syncgate = number(args[i], value);
          case "--web-port" -> web = number(args[i], value);
          case "--dir" -> dir = Path.of(required(args[i], value)).toAbsolutePath();
          default -> throw new DemoFailure("unknown option " + args[i]
              + ": the demo takes --port N (Syncgate, default 8080), --web-port N (the web app, default 8000),"
              + " --dir DIR (its files, default target/demo)");
        }
        i++;
      }
      return new Options(syncgate, web, dir);
    }

    private static String required(String flag, String value) throws DemoFailure {
      if (value == null) {
        throw new DemoFailure(flag + " needs a value");
      }
      return value;
    }

    private static int number(String flag, String value) throws DemoFailure {
      try {
        int port = Integer.parseInt(required(flag, value));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
        return port;
      } catch (NumberFormatException e) {
        throw new DemoFailure(flag + " " + value + ": not a port (0 to 65535; 0: any free port)");
      }
    }
  }
}
