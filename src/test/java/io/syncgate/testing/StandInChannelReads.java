package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The reads of a database with channels ({@link StandInChannels}): {@code _changes} (normal,
 * long-poll and continuous), {@code _all_docs} and {@code _bulk_get} list only what the user may
 * read, each asked of the store with the documents included so that their channels are known;
 * a single document (or attachment) the user may not read is 403, as SG answers it.
 */
final class StandInChannelReads {

  /** SG's {@code _changes} timeout: 300 s unless asked, at most 900 s. */
  private static final long DEFAULT_TIMEOUT = 300_000;
  private static final long MAX_TIMEOUT = 900_000;
  private static final long POLL = 200;

  private final StandInChannels channels;
  private final HttpClient store;

  StandInChannelReads(StandInChannels channels, HttpClient store) {
    this.channels = channels;
    this.store = store;
  }

  /** Goes on to the stand-in's own handling when some leaf of the document is the user's; 403 if none is. */
  void whenReadable(RoutingContext ctx, String db, String encodedId, Set<String> access, boolean write) {
    channels.send(HttpMethod.GET, "/" + db + "/" + encodedId + "?open_revs=all", null).onFailure(ctx::fail)
        .onSuccess(answer -> {
          JsonArray leaves = answer.status() == 200 ? new JsonArray(answer.body()) : new JsonArray();
          boolean readable = leaves.isEmpty() || leaves.stream().map(JsonObject.class::cast)
              .anyMatch(leaf -> StandInChannels.readable(access, leaf.getJsonObject("ok")));
          if (readable) {
            ctx.next();
          } else {
            ctx.request().resume();
            StandInAdminApi.error(ctx, 403, "forbidden", write ? "missing channel access" : "forbidden");
          }
        });
  }

  void changes(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    boolean includeDocs = "true".equals(ctx.request().getParam("include_docs"));
    String feed = ctx.request().getParam("feed");
    String query = without(ctx.request().query(), "include_docs") + "&include_docs=true";
    if ("continuous".equals(feed)) {
      String heartbeat = ctx.request().getParam("heartbeat");
      if (heartbeat != null && heartbeat.matches("\\d{1,9}") && Long.parseLong(heartbeat) < 25_000) {
        // SG's heartbeats are at least 25 s apart.
        query = without(query, "heartbeat") + "&heartbeat=25000";
      }
      continuous(ctx, "/" + db + "/_changes?" + query, access, includeDocs);
      return;
    }
    if ("longpoll".equals(feed) && ctx.request().method() == HttpMethod.GET) {
      String timeout = ctx.request().getParam("timeout");
      long millis = timeout != null && timeout.matches("\\d{1,9}") ? Math.min(Long.parseLong(timeout), MAX_TIMEOUT)
          : DEFAULT_TIMEOUT;
      String since = ctx.request().getParam("since");
      longPoll(ctx, db, without(without(without(without(query, "feed"), "timeout"), "heartbeat"), "since"),
          since == null ? "0" : since, access, includeDocs, System.nanoTime() + millis * 1_000_000);
      return;
    }
    String uri = "/" + db + "/_changes?" + query;
    Future<Buffer> body = ctx.request().method() == HttpMethod.POST ? ctx.request().body() : Future.succeededFuture();
    body.compose(bytes -> fetch(ctx, ctx.request().method(), uri, bytes)).onFailure(ctx::fail).onSuccess(answer -> {
      if (answer.status() != 200) {
        reply(ctx, answer);
        return;
      }
      json(ctx, filterChanges(new JsonObject(answer.body()), access, includeDocs));
    });
  }

  /**
   * Asks the store again, every {@link #POLL} ms, while every change it has is someone else's, up
   * to the client's timeout (PouchDB Server's own long-polls ignore theirs).
   */
  private void longPoll(RoutingContext ctx, String db, String query, String since, Set<String> access,
      boolean includeDocs, long deadline) {
    String uri = "/" + db + "/_changes?" + query + "&since=" + encode(since);
    fetch(ctx, HttpMethod.GET, uri, null).onFailure(e -> {
      if (!ctx.response().closed()) {
        ctx.fail(e);
      }
    }).onSuccess(answer -> {
      if (ctx.response().closed()) {
        return;
      }
      if (answer.status() != 200) {
        reply(ctx, answer);
        return;
      }
      JsonObject raw = new JsonObject(answer.body());
      String lastSeq = String.valueOf(raw.getValue("last_seq"));
      JsonObject mine = filterChanges(raw, access, includeDocs);
      if (!mine.getJsonArray("results").isEmpty() || System.nanoTime() + POLL * 1_000_000 >= deadline) {
        json(ctx, mine);
      } else {
        channels.standIn().vertx.setTimer(POLL, t -> longPoll(ctx, db, query, lastSeq, access, includeDocs, deadline));
      }
    });
  }

  private void continuous(RoutingContext ctx, String uri, Set<String> access, boolean includeDocs) {
    // SG answers a feed's head at once, before any change or heartbeat.
    HttpServerResponse out = ctx.response().setChunked(true).putHeader("content-type", "application/json");
    out.writeHead();
    store.request(options(HttpMethod.GET, uri))
        .compose(request -> request.send())
        .onFailure(e -> out.reset())
        .onSuccess(response -> {
          RecordParser lines = RecordParser.newDelimited("\n", response);
          lines.handler(line -> {
            if (line.length() == 0) {
              out.write("\n");
              return;
            }
            JsonObject entry = new JsonObject(line);
            if (!entry.containsKey("doc")) {
              out.write(entry.encode() + "\n");
            } else if (StandInChannels.readable(access, entry.getJsonObject("doc"))) {
              out.write(shaped(entry, includeDocs).encode() + "\n");
            }
          });
          lines.endHandler(v -> out.end());
          ctx.request().connection().closeHandler(v -> response.request().reset());
        });
  }

  void allDocs(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    boolean includeDocs = "true".equals(ctx.request().getParam("include_docs"));
    boolean keys = ctx.request().params().contains("keys") || ctx.request().method() == HttpMethod.POST;
    String uri = "/" + db + "/_all_docs?" + without(ctx.request().query(), "include_docs") + "&include_docs=true";
    Future<Buffer> body = ctx.request().method() == HttpMethod.POST ? ctx.request().body() : Future.succeededFuture();
    body.compose(bytes -> fetch(ctx, ctx.request().method(), uri, bytes)).onFailure(ctx::fail).onSuccess(answer -> {
      if (answer.status() != 200) {
        reply(ctx, answer);
        return;
      }
      JsonObject all = new JsonObject(answer.body());
      JsonArray rows = new JsonArray();
      for (Object item : all.getJsonArray("rows", new JsonArray())) {
        JsonObject row = (JsonObject) item;
        JsonObject doc = row.getJsonObject("doc");
        if (doc != null && !StandInChannels.readable(access, doc)) {
          continue;
        }
        JsonObject value = row.getJsonObject("value");
        if (!keys && value != null && value.getString("rev") != null) {
          value.put("cv", StandInDocuments.cv(value.getString("rev")));
        }
        if (includeDocs) {
          StandInDocuments.addCv(doc);
        } else {
          row.remove("doc");
        }
        rows.add(row);
      }
      json(ctx, all.put("rows", rows).put("total_rows", rows.size()));
    });
  }

  /** POST _bulk_get, answered in {@code multipart/mixed} as SG does, every attachment inline. */
  void bulkGet(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    if (!StandInDocuments.acceptsMultipart(ctx.request().getHeader("accept"))) {
      StandInAdminApi.error(ctx, 406, "Not Acceptable", "Response is multipart");
      return;
    }
    String revs = "true".equals(ctx.request().getParam("revs")) ? "true" : "false";
    String attachments = "true".equals(ctx.request().getParam("attachments")) ? "true" : "false";
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      JsonArray docs;
      try {
        docs = bytes.toJsonObject().getJsonArray("docs");
      } catch (RuntimeException e) {
        docs = null;
      }
      if (docs == null) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "missing 'docs' property");
        return;
      }
      String boundary = UUID.randomUUID().toString().replace("-", "");
      Buffer out = Buffer.buffer();
      Future<Void> written = Future.succeededFuture();
      for (Object item : docs) {
        JsonObject wanted = (JsonObject) item;
        String id = wanted.getString("id");
        String rev = wanted.getString("rev");
        String uri = "/" + db + "/" + encode(id) + "?revs=" + revs + "&attachments=" + attachments
            + (rev == null ? "" : "&rev=" + encode(rev));
        written = written.compose(v -> channels.send(HttpMethod.GET, uri, null)).map(answer -> {
          JsonObject doc = answer.status() == 200 ? new JsonObject(answer.body()) : null;
          int status = doc == null ? answer.status() : StandInChannels.readable(access, doc) ? 200 : 403;
          if (status == 200) {
            StandInDocuments.addCv(doc);
            part(out, boundary, "application/json", doc);
          } else {
            JsonObject error = new JsonObject().put("id", id).put("status", status)
                .put("error", status == 404 ? "not_found" : status == 403 ? "forbidden" : "error")
                .put("reason", status == 404 ? "missing" : status == 403 ? "forbidden" : "error");
            if (rev != null) {
              error.put("rev", rev);
            }
            part(out, boundary, "application/json; error=\"true\"", error);
          }
          return null;
        });
      }
      written.onFailure(ctx::fail).onSuccess(v -> ctx.response()
          .putHeader("content-type", "multipart/mixed; boundary=\"" + boundary + "\"")
          .end(out.appendString("--" + boundary + "--\r\n")));
    });
  }

  private static void part(Buffer out, String boundary, String type, JsonObject body) {
    // Go's encoding of SG's bodies: keys sorted (JSONMarshalCanonical).
    out.appendString("--" + boundary + "\r\nContent-Type: " + type + "\r\n\r\n"
        + new JsonObject(new TreeMap<>(body.getMap())).encode() + "\r\n");
  }

  private static JsonObject filterChanges(JsonObject changes, Set<String> access, boolean includeDocs) {
    JsonArray mine = new JsonArray();
    for (Object item : changes.getJsonArray("results", new JsonArray())) {
      JsonObject entry = (JsonObject) item;
      if (StandInChannels.readable(access, entry.getJsonObject("doc"))) {
        mine.add(shaped(entry, includeDocs));
      }
    }
    changes.put("results", mine);
    if (changes.getValue("last_seq") != null) {
      changes.put("last_seq", String.valueOf(changes.getValue("last_seq")));
    }
    return changes;
  }

  private static JsonObject shaped(JsonObject entry, boolean includeDocs) {
    if (includeDocs) {
      StandInDocuments.addCv(entry.getJsonObject("doc"));
    } else {
      entry.remove("doc");
    }
    return entry;
  }

  private Future<StandInChannels.Answer> fetch(RoutingContext ctx, HttpMethod method, String uri, Buffer body) {
    return store.request(options(method, uri))
        .compose(request -> {
          // A client that leaves ends what it waits for (a long-poll) at the store too.
          ctx.response().closeHandler(v -> request.reset());
          return body == null ? request.send() : request.send(body);
        })
        .compose(response -> response.body().map(bytes -> new StandInChannels.Answer(response.statusCode(), bytes)));
  }

  private RequestOptions options(HttpMethod method, String uri) {
    var documentStore = channels.standIn().documentStore;
    return new RequestOptions().setMethod(method).setURI(uri).setHost(documentStore.getHost())
        .setPort(documentStore.getPort()).putHeader("accept", "application/json")
        .putHeader("content-type", "application/json");
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("content-type", "application/json").end(body.encode());
  }

  private static void reply(RoutingContext ctx, StandInChannels.Answer answer) {
    ctx.response().setStatusCode(answer.status()).putHeader("content-type", "application/json").end(answer.body());
  }

  /** {@code query} without the parameter {@code name}; never null. */
  static String without(String query, String name) {
    if (query == null || query.isEmpty()) {
      return "";
    }
    return String.join("&", java.util.Arrays.stream(query.split("&"))
        .filter(pair -> !pair.isEmpty() && !pair.equals(name) && !pair.startsWith(name + "=")).toList());
  }

  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
