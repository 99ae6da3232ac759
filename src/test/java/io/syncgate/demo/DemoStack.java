package io.syncgate.demo;

import io.syncgate.config.ConfigLoader;
import io.syncgate.server.Syncgate;
import io.syncgate.testing.PouchDbServer;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.TestIdentityProvider;
import io.syncgate.testing.TestStack;
import io.syncgate.testing.WebApp;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local demo behind {@code scripts/demo}: an OpenID Connect provider, the Sync Gateway
 * stand-in with PouchDB Server behind it, and Syncgate in front, all on 127.0.0.1. It prints a
 * token and what to try, and runs until Ctrl-C.
 */
public final class DemoStack {

  private static final Logger log = LoggerFactory.getLogger(DemoStack.class);

  static final String DB = "todo";
  static final String ISSUER_ID = "demo";
  static final String AUDIENCE = "syncgate-demo";
  static final int SYNCGATE_PORT = Integer.getInteger("syncgate.demo.port", 8080);
  static final int WEB_APP_PORT = Integer.getInteger("syncgate.demo.web-port", 8000);

  private DemoStack() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of("target/demo").toAbsolutePath();
    Files.createDirectories(dir);

    Clock clock = Clock.systemUTC();
    Vertx vertx = Vertx.vertx();
    TestIdentityProvider idp = TestIdentityProvider.start("RS256", clock, Map.of(ISSUER_ID, AUDIENCE));
    PouchDbServer store = PouchDbServer.start();
    store.createDatabase(DB);
    SyncGatewayStandIn sg = SyncGatewayStandIn.start(vertx, clock, Set.of(DB), store.url(), 4984, 4985);

    // Syncgate runs here as `java -jar target/syncgate.jar --config target/demo/syncgate.yaml` would,
    // in this JVM so that Ctrl-C, or any end of it, stops the whole stack at once.
    Path config = dir.resolve("syncgate.yaml");
    String webApp = "http://127.0.0.1:" + WEB_APP_PORT;
    Files.writeString(config, "# Written by scripts/demo. Every key: docs/configuration.md\n"
        + TestStack.yaml(SYNCGATE_PORT, idp.issuer(ISSUER_ID), AUDIENCE, sg, List.of(DB))
        + "cors:\n  " + DB + ":\n    origins: [\"" + webApp + "\"]\n");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SYNCGATE_SYNC_GATEWAY_ADMIN_PASSWORD", SyncGatewayStandIn.ADMIN_PASSWORD);
    Syncgate syncgate = Syncgate.start(vertx, ConfigLoader.load(config, env), clock).await();
    // The web app on an origin of its own, as usual: Syncgate's CORS lets it in.
    WebApp app = WebApp.start(vertx, WEB_APP_PORT, idp.issuer(ISSUER_ID), AUDIENCE,
        "http://127.0.0.1:" + SYNCGATE_PORT + "/sync", DB);

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        app.close();
        syncgate.close().await();
        sg.close();
        store.close();
      } catch (Exception e) {
        log.warn("demo shutdown: {}", e.toString());
      }
      idp.close();
      vertx.close();
    }, "demo-shutdown"));

    String token = idp.token(ISSUER_ID, "demo-user", AUDIENCE, 12 * 3600);
    Files.writeString(dir.resolve("token"), token);
    String base = "http://127.0.0.1:" + SYNCGATE_PORT + "/sync/" + DB;
    log.info(String.join("\n", List.of(
        "",
        "Syncgate demo. The todo web app: " + webApp + "/ (sign in with any user name; open it in two"
            + " browsers to see sync)",
        "Syncgate on " + base + ", Sync Gateway stand-in on " + sg.publicUrl()
            + " (admin " + sg.adminUrl() + "), documents in PouchDB Server " + store.url(),
        "Configuration: " + config + ". A token for user demo-user, valid 12 h, is in target/demo/token. Try:",
        "  TOKEN=$(cat target/demo/token)",
        "  curl -i -X POST -H \"Authorization: Bearer $TOKEN\" " + base + "/_session",
        "  curl -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{\"title\":\"hello\"}' "
            + base + "/first-doc",
        "  curl -H \"Authorization: Bearer $TOKEN\" '" + base + "/_all_docs?include_docs=true'",
        "  curl -i " + base + "/_all_docs      # no credentials: 401",
        "Or replicate with PouchDB: new PouchDB('" + base + "', {fetch: (url, opts) => {"
            + " opts.headers.set('Authorization', 'Bearer ' + TOKEN); return PouchDB.fetch(url, opts); }})",
        "Ctrl-C stops everything.")));
    new CountDownLatch(1).await();
  }
}
