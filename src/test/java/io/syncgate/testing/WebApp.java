package io.syncgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves the demo's web app ({@code examples/web}) on 127.0.0.1, as any static host would: its
 * own files and its two libraries from its {@code vendor/} (where its {@code npm ci} puts them),
 * with a {@code config.json} of its own naming this stack's identity provider and Syncgate (a
 * person copies {@code config.example.json} instead; a file of theirs is left alone).
 */
public final class WebApp implements AutoCloseable {

  /** The OAuth client id the app uses; the test provider accepts any. */
  public static final String CLIENT_ID = "todo-web";

  /** Each user's channel, as Syncgate's provisioning grants it ({@code provisioning.{db}.channels}). */
  public static final String CHANNEL = "user-{name}";

  private static final Map<String, String> FILES = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/app.js", "app.js",
      "/app.css", "app.css",
      "/vendor/oidc-client-ts.min.js", "vendor/oidc-client-ts.min.js",
      "/vendor/pouchdb.min.js", "vendor/pouchdb.min.js");

  private final HttpServer server;

  private WebApp(HttpServer server) {
    this.server = server;
  }

  /**
   * @param issuer the identity provider's issuer URL
   * @param audience the audience the app asks its access token to have (Syncgate's)
   * @param syncgate Syncgate's URL up to its base path, e.g. {@code http://127.0.0.1:8080/sync}
   */
  public static WebApp start(Vertx vertx, int port, String issuer, String audience, String syncgate, String db) {
    Path root = directory();
    // The documented example, with this stack's addresses: a key the app needs is in the example.
    JsonObject example = example(root);
    String config = example.copy().put("issuer", issuer).put("clientId", CLIENT_ID).put("audience", audience)
        .put("syncgate", syncgate).put("db", db).put("channel", CHANNEL).encodePrettily();
    Router router = Router.router(vertx);
    router.get("/config.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store").end(config));
    FILES.forEach((path, file) -> router.get(path).handler(ctx -> ctx.response()
        .putHeader("content-type", contentType(file)).putHeader("cache-control", "no-store")
        .sendFile(root.resolve(file).toString())));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").await();
    return new WebApp(server);
  }

  private static JsonObject example(Path root) {
    try {
      JsonObject example = new JsonObject(Files.readString(root.resolve("config.example.json")));
      if (!example.fieldNames().equals(java.util.Set.of("issuer", "clientId", "scope", "audience", "syncgate", "db",
          "channel"))) {
        throw new IllegalStateException("examples/web/config.example.json has " + example.fieldNames()
            + ", not the keys the app reads");
      }
      return example;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static Path directory() {
    Path dir = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("examples/web");
    if (!Files.isRegularFile(dir.resolve("vendor/pouchdb.min.js"))) {
      throw new IllegalStateException("the web app's libraries are missing in " + dir
          + "/vendor: run scripts/npm-peers (scripts/test and scripts/demo do it), or npm ci in examples/web");
    }
    return dir;
  }

  private static String contentType(String file) {
    if (file.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    return file.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
  }

  public int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    server.close().await();
  }
}
