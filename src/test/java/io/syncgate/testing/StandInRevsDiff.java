package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * SG's {@code POST {db}/_revs_diff} (recorded case 69): the store's {@code missing} lists, each
 * with SG's {@code possible_ancestors} where SG finds any, served as
 * {@code text/plain; charset=utf-8} without an Etag. For a missing revision of generation g > 1,
 * SG offers each leaf the client did not name: a leaf of a lower generation itself, a leaf of
 * generation g its parent.
 */
final class StandInRevsDiff {

  /** Asks the store. */
  interface Store {
    Future<StandInChannels.Answer> send(HttpMethod method, String uri, io.vertx.core.buffer.Buffer body);
  }

  private StandInRevsDiff() {}

  static void handle(Store store, RoutingContext ctx, String db) {
    ctx.request().resume();
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      JsonObject asked;
      try {
        asked = bytes.toJsonObject();
      } catch (RuntimeException e) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
        return;
      }
      store.send(HttpMethod.POST, "/" + db + "/_revs_diff", bytes).onFailure(ctx::fail).onSuccess(answer -> {
        if (answer.status() != 200) {
          ctx.response().setStatusCode(answer.status()).putHeader("content-type", "application/json").end(answer.body());
          return;
        }
        JsonObject diff = new JsonObject(answer.body());
        List<Future<Void>> lookups = new ArrayList<>();
        for (String id : diff.fieldNames()) {
          JsonObject entry = diff.getJsonObject(id);
          Set<String> named = new java.util.HashSet<>(strings(asked.getJsonArray(id, new JsonArray())));
          lookups.add(store.send(HttpMethod.GET, "/" + db + "/" + encode(id) + "?open_revs=all&revs=true", null)
              .map(leaves -> {
                if (leaves.status() == 200) {
                  List<String> possible = possibleAncestors(strings(entry.getJsonArray("missing")), named,
                      leaves.body().toJsonArray());
                  if (!possible.isEmpty()) {
                    entry.put("possible_ancestors", new JsonArray(possible));
                  }
                }
                return null;
              }));
        }
        Future.all(lookups).onFailure(ctx::fail).onSuccess(v -> ctx.response()
            .putHeader("content-type", "text/plain; charset=utf-8").end(diff.encode()));
      });
    });
  }

  private static List<String> possibleAncestors(List<String> missing, Set<String> named, JsonArray leaves) {
    TreeSet<String> possible = new TreeSet<>(Comparator.comparingInt(StandInRevsDiff::generation)
        .thenComparing(Comparator.naturalOrder()));
    for (String rev : missing) {
      int gen = generation(rev);
      if (gen <= 1) {
        continue;
      }
      for (Object item : leaves) {
        JsonObject leaf = ((JsonObject) item).getJsonObject("ok");
        if (leaf == null || named.contains(leaf.getString("_rev"))) {
          continue;
        }
        int leafGen = generation(leaf.getString("_rev"));
        JsonObject revisions = leaf.getJsonObject("_revisions");
        if (leafGen < gen) {
          possible.add(leaf.getString("_rev"));
        } else if (leafGen == gen && revisions != null && revisions.getJsonArray("ids").size() > 1) {
          possible.add((leafGen - 1) + "-" + revisions.getJsonArray("ids").getString(1));
        }
      }
    }
    return List.copyOf(possible);
  }

  private static int generation(String rev) {
    try {
      return Integer.parseInt(rev.substring(0, rev.indexOf('-')));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of() : array.stream().map(String::valueOf).toList();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
