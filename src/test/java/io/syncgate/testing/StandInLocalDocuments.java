package io.syncgate.testing;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Admin API's {@code _local} documents, as SG keeps them: never replicated, revisions
 * {@code 0-1}, {@code 0-2}, …, and a {@code PUT} whose {@code _rev} is not the current one (or
 * that names none for a document that exists) refused with {@code 409}. Mounted by
 * {@link StandInAdminApi}, after its checks; the documents live as long as the stand-in's router.
 * Reads are background traffic ({@link #isRead}).
 */
final class StandInLocalDocuments {

  private final Map<String, JsonObject> documents = new ConcurrentHashMap<>();

  private StandInLocalDocuments() {}

  static void mount(Router router) {
    StandInLocalDocuments local = new StandInLocalDocuments();
    router.get("/:db/_local/:docid").handler(local::get);
    router.put("/:db/_local/:docid").handler(local::put);
  }

  /**
   * A read of a {@code _local} document: Syncgate's background reads of its logout list, neither
   * recorded among the requests a client caused nor hung with the Admin API.
   */
  static boolean isRead(RoutingContext ctx) {
    return ctx.request().method().name().equals("GET") && ctx.request().path().contains("/_local/");
  }

  private void get(RoutingContext ctx) {
    JsonObject document = documents.get(key(ctx));
    if (document == null) {
      StandInAdminApi.error(ctx, 404, "not_found", "missing");
      return;
    }
    ctx.response().putHeader("content-type", "application/json").end(document.encode());
  }

  private void put(RoutingContext ctx) {
    JsonObject body;
    try {
      body = new JsonObject(ctx.body().asString());
    } catch (DecodeException | NullPointerException e) {
      StandInAdminApi.error(ctx, 400, "Bad Request", "not a JSON object");
      return;
    }
    String key = key(ctx);
    String[] written = new String[1];
    documents.compute(key, (k, current) -> {
      String currentRev = current == null ? null : current.getString("_rev");
      if (currentRev == null ? body.getString("_rev") != null : !currentRev.equals(body.getString("_rev"))) {
        return current;
      }
      int generation = currentRev == null ? 0 : Integer.parseInt(currentRev.substring(2));
      written[0] = "0-" + (generation + 1);
      return body.copy().put("_id", "_local/" + ctx.pathParam("docid")).put("_rev", written[0]);
    });
    if (written[0] == null) {
      StandInAdminApi.error(ctx, 409, "conflict", "Document revision conflict");
      return;
    }
    ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
        .end(new JsonObject().put("id", "_local/" + ctx.pathParam("docid")).put("ok", true).put("rev", written[0]).encode());
  }

  private static String key(RoutingContext ctx) {
    return ctx.pathParam("db") + "/" + ctx.pathParam("docid");
  }
}
