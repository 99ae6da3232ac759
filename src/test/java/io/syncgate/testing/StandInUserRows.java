package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The row SG 4.0 puts in a user's own {@code _changes} feed for their user document (recorded:
 * {@code {"seq":3,"id":"_user/alice","changes":[]}}, case 52): SG keeps each principal as a
 * document with a sequence of its own, and so does the stand-in: every change of a user through
 * the Admin API writes {@code sync:user:{name}} to the store, as a tombstone, which takes a
 * sequence but is no document to {@code _all_docs}, replicas or tests reading the store. In a user's feed their own becomes
 * the {@code _user/} row, in sequence order, past {@code since}, counted by {@code limit}, under
 * a channel filter too; everyone else's, and all of them in the admin's feed (63), are left out.
 * A user made otherwise (test helpers) has no row.
 */
final class StandInUserRows {

  /** The store's id of a user's principal document. */
  static final String PREFIX = "sync:user:";

  private StandInUserRows() {}

  static boolean principal(String id) {
    return id != null && id.startsWith(PREFIX);
  }

  /** A feed entry as {@code user} sees it: a document's as it is, their own principal as SG's row, or null. */
  static JsonObject entry(JsonObject entry, String user) {
    String id = entry.getString("id");
    if (!principal(id)) {
      return entry;
    }
    if (user == null || !id.equals(PREFIX + user)) {
      return null;
    }
    return new JsonObject().put("seq", entry.getValue("seq")).put("id", "_user/" + user).put("changes", new JsonArray());
  }

  /** A feed's {@code results} as {@code user} sees them (null: the admin, who sees no principal). */
  static JsonObject results(JsonObject changes, String user) {
    JsonArray mine = new JsonArray();
    for (Object item : changes.getJsonArray("results", new JsonArray())) {
      JsonObject seen = entry((JsonObject) item, user);
      if (seen != null) {
        mine.add(seen);
      }
    }
    return changes.put("results", mine);
  }

  /** {@code _all_docs} without principals: rows and {@code total_rows}. */
  static JsonObject allDocs(JsonObject all) {
    JsonArray rows = new JsonArray();
    for (Object item : all.getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) item;
      if (!principal(row.getString("id")) && !principal(row.getString("key"))) {
        rows.add(row);
      }
    }
    Integer total = all.getInteger("total_rows");
    if (total != null) {
      all.put("total_rows", total - (all.getJsonArray("rows", new JsonArray()).size() - rows.size()));
    }
    return all.put("rows", rows);
  }

  /** Writes the user's principal document anew, which gives it the store's next sequence. */
  static Future<Void> record(HttpClient store, SyncGatewayStandIn sg, String db, String name) {
    String uri = "/" + db + "/" + URLEncoder.encode(PREFIX + name, StandardCharsets.UTF_8).replace("+", "%20");
    return send(store, sg, HttpMethod.GET, uri + "?open_revs=all", null).compose(current -> {
      // A tombstone: it takes a sequence in the feed but is no document in _all_docs or a replica.
      JsonObject doc = new JsonObject().put("_deleted", true);
      if (current.statusCode() == 200) {
        current.body().toJsonArray().stream().map(JsonObject.class::cast).map(leaf -> leaf.getJsonObject("ok"))
            .filter(java.util.Objects::nonNull).findFirst().ifPresent(leaf -> doc.put("_rev", leaf.getString("_rev")));
      }
      return send(store, sg, HttpMethod.PUT, uri, doc.toBuffer());
    }).mapEmpty();
  }

  private record Answer(int statusCode, Buffer body) {}

  private static Future<Answer> send(HttpClient store, SyncGatewayStandIn sg, HttpMethod method, String uri, Buffer body) {
    return store.request(new RequestOptions().setMethod(method).setHost(sg.documentStore.getHost())
            .setPort(sg.documentStore.getPort()).setURI(uri).putHeader("content-type", "application/json")
            .putHeader("accept", "application/json"))
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(bytes -> new Answer(response.statusCode(), bytes)));
  }
}
