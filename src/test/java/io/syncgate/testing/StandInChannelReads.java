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
import java.util.ArrayList;
import java.util.List;
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
            // SG's read refusal names the status ("Forbidden", recorded case 74).
            StandInAdminApi.error(ctx, 403, write ? "forbidden" : "Forbidden", write ? "missing channel access" : "forbidden");
          }
        });
  }

  /**
   * A user's {@code _changes}, GET or POST (options in a JSON body), as SG answers it: {@code since}
   * checked, {@code filter=sync_gateway/bychannel} narrowing to the named channels the user has
   * (400 without any), {@code Cache-Control} on every 200.
   */
  void changes(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    ctx.addHeadersEndHandler(v -> {
      if (ctx.response().getStatusCode() == 200) {
        ctx.response().putHeader("cache-control", StandInDocuments.FEED_CACHE_CONTROL);
      }
    });
    if (ctx.request().method() != HttpMethod.POST) {
      changes(ctx, db, access, ctx.request().params(), null);
      return;
    }
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      io.vertx.core.MultiMap params = io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().params());
      try {
        JsonObject options = bytes.length() == 0 ? new JsonObject() : bytes.toJsonObject();
        options.forEach(option -> params.set(option.getKey(), option.getValue() instanceof JsonArray list
            ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(option.getValue())));
      } catch (RuntimeException e) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
        return;
      }
      changes(ctx, db, access, params, bytes);
    });
  }

  private void changes(RoutingContext ctx, String db, Set<String> access, io.vertx.core.MultiMap params, Buffer posted) {
    String since = params.get("since");
    if (since != null && !StandInDocuments.SEQUENCE.matcher(since).matches()) {
      StandInAdminApi.error(ctx, 400, "Bad Request", "Invalid sequence: \"" + since + "\"");
      return;
    }
    Set<String> seen = access;
    if (StandInDocuments.BY_CHANNEL.equals(params.get("filter"))) {
      String named = params.get("channels");
      if (named == null || named.isEmpty()) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Missing 'channels' filter parameter");
        return;
      }
      Set<String> narrowed = new java.util.HashSet<>(List.of(named.split(",")));
      if (!access.contains("*")) {
        narrowed.retainAll(access);
      }
      seen = narrowed;
    }
    boolean includeDocs = "true".equals(params.get("include_docs"));
    String feed = params.get("feed");
    StringBuilder query = new StringBuilder("include_docs=true");
    params.forEach((name, value) -> {
      if (!Set.of("include_docs", "filter", "channels", "feed", "timeout", "heartbeat", "since").contains(name)) {
        query.append('&').append(encode(name)).append('=').append(encode(value));
      }
    });
    if (since != null && !"longpoll".equals(feed)) {
      query.append("&since=").append(encode(since.replace("\"", "")));
    }
    if ("continuous".equals(feed)) {
      String heartbeat = params.get("heartbeat");
      // SG's heartbeats are at least 25 s apart.
      long beat = heartbeat != null && heartbeat.matches("\\d{1,9}") ? Math.max(25_000, Long.parseLong(heartbeat)) : 0;
      continuous(ctx, db, query.toString(), beat, seen, includeDocs);
      return;
    }
    if ("longpoll".equals(feed)) {
      String timeout = params.get("timeout");
      long millis = timeout != null && timeout.matches("\\d{1,9}") ? Math.min(Long.parseLong(timeout), MAX_TIMEOUT)
          : DEFAULT_TIMEOUT;
      longPoll(ctx, db, query.toString(), since == null ? "0" : since.replace("\"", ""), seen, includeDocs,
          System.nanoTime() + millis * 1_000_000);
      return;
    }
    Set<String> visibleTo = seen;
    fetch(ctx, HttpMethod.GET, "/" + db + "/_changes?" + query, null).onFailure(ctx::fail).onSuccess(answer -> {
      if (answer.status() != 200) {
        reply(ctx, answer);
        return;
      }
      withRemovals(db, new JsonObject(answer.body())).onFailure(ctx::fail).onSuccess(raw ->
          json(ctx, filterChanges(raw, visibleTo, includeDocs, ctx.get(StandInPublicApi.USER))));
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
      JsonObject mine = filterChanges(raw, access, includeDocs, ctx.get(StandInPublicApi.USER));
      if (!mine.getJsonArray("results").isEmpty() || System.nanoTime() + POLL * 1_000_000 >= deadline) {
        json(ctx, mine);
      } else {
        channels.standIn().vertx.setTimer(POLL, t -> longPoll(ctx, db, query, lastSeq, access, includeDocs, deadline));
      }
    });
  }

  /**
   * A continuous feed as SG sends it: the head at once, typed {@code application/octet-stream},
   * the changes so far, then bare newlines for being caught up (recorded cases 65 and 66), then
   * the store's own continuous feed from there, with its heartbeats.
   */
  private void continuous(RoutingContext ctx, String db, String query, long heartbeat, Set<String> access,
      boolean includeDocs) {
    String user = ctx.get(StandInPublicApi.USER);
    HttpServerResponse out = ctx.response().setChunked(true).putHeader("content-type", "application/octet-stream");
    out.writeHead();
    fetch(ctx, HttpMethod.GET, "/" + db + "/_changes?" + query, null).onFailure(e -> out.reset()).onSuccess(answer -> {
      if (ctx.response().closed()) {
        return;
      }
      if (answer.status() != 200) {
        out.reset();
        return;
      }
      JsonObject sofar = new JsonObject(answer.body());
      for (Object item : sofar.getJsonArray("results", new JsonArray())) {
        JsonObject seen = visible((JsonObject) item, access, includeDocs, user);
        if (seen != null) {
          out.write(seen.encode() + "\n");
        }
      }
      // Two newline chunks, as SG 4.0 sent them on both recordings.
      out.write("\n");
      out.write("\n");
      String from = without(query, "since") + "&since=" + encode(String.valueOf(sofar.getValue("last_seq")));
      follow(ctx, out, "/" + db + "/_changes?feed=continuous&" + from + (heartbeat > 0 ? "&heartbeat=" + heartbeat : ""),
          access, includeDocs, user);
    });
  }

  private void follow(RoutingContext ctx, HttpServerResponse out, String uri, Set<String> access, boolean includeDocs,
      String user) {
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
            if (!entry.containsKey("doc") && !entry.containsKey("id")) {
              out.write(entry.encode() + "\n");
              return;
            }
            JsonObject seen = visible(entry, access, includeDocs, user);
            if (seen != null) {
              channels.standIn().digests.knownToSg(seen);
              out.write(seen.encode() + "\n");
            }
          });
          lines.endHandler(v -> out.end());
          ctx.request().connection().closeHandler(v -> response.request().reset());
        });
  }

  /**
   * SG's {@code _all_docs}: the user's rows ({@code value} with {@code cv} but asked by keys),
   * {@code total_rows} counting what is shown, the database's {@code update_seq}, no
   * {@code offset}; asked by keys, a missing document is a {@code not_found} row and one the user
   * may not read a {@code forbidden} one, each with its status (recorded cases 48 to 51).
   */
  void allDocs(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    boolean includeDocs = "true".equals(ctx.request().getParam("include_docs"));
    boolean keys = ctx.request().params().contains("keys") || ctx.request().method() == HttpMethod.POST;
    String uri = "/" + db + "/_all_docs?" + without(without(ctx.request().query(), "include_docs"), "update_seq")
        + "&include_docs=true&update_seq=true";
    Future<Buffer> body = ctx.request().method() == HttpMethod.POST ? ctx.request().body() : Future.succeededFuture();
    body.compose(bytes -> fetch(ctx, ctx.request().method(), uri, bytes)).onFailure(ctx::fail).onSuccess(answer -> {
      if (answer.status() != 200) {
        reply(ctx, answer);
        return;
      }
      JsonObject all = StandInUserRows.allDocs(new JsonObject(answer.body()));
      JsonArray rows = new JsonArray();
      for (Object item : all.getJsonArray("rows", new JsonArray())) {
        JsonObject row = (JsonObject) item;
        JsonObject doc = row.getJsonObject("doc");
        if (row.containsKey("error")) {
          rows.add(row.put("status", "not_found".equals(row.getString("error")) ? 404 : 400));
          continue;
        }
        if (doc != null && !StandInChannels.readable(access, doc)) {
          if (keys) {
            rows.add(new JsonObject().put("key", row.getValue("key")).put("error", "forbidden").put("status", 403));
          }
          continue;
        }
        JsonObject value = row.getJsonObject("value");
        if (!keys && value != null && value.getString("rev") != null && channels.standIn().currentVersions()) {
          value.put("cv", StandInDocuments.cv(value.getString("rev")));
        }
        if (includeDocs) {
          StandInDocuments.stubVersions(doc);
        } else {
          row.remove("doc");
        }
        rows.add(row);
      }
      JsonObject answered = new JsonObject().put("rows", rows).put("total_rows", rows.size());
      if (all.getValue("update_seq") != null) {
        answered.put("update_seq", all.getValue("update_seq"));
      }
      json(ctx, answered);
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
            StandInDocuments.addCv(channels.standIn(), doc);
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

  private JsonObject filterChanges(JsonObject changes, Set<String> access, boolean includeDocs, String user) {
    JsonArray mine = new JsonArray();
    for (Object item : changes.getJsonArray("results", new JsonArray())) {
      JsonObject entry = visible((JsonObject) item, access, includeDocs, user);
      if (entry != null) {
        mine.add(entry);
      }
    }
    changes.put("results", mine);
    if (changes.getValue("last_seq") != null) {
      changes.put("last_seq", String.valueOf(changes.getValue("last_seq")));
    }
    return changes;
  }

  /**
   * Marks each deletion that left its channels behind (a tombstone without {@code channels}, as
   * {@code channel(doc.channels)} makes it) with the channels of the revision it deleted, so that
   * their readers see it go as SG shows it: {@code "removed": [...]} (recorded case 99).
   */
  private Future<JsonObject> withRemovals(String db, JsonObject changes) {
    List<Future<Void>> lookups = new ArrayList<>();
    for (Object item : changes.getJsonArray("results", new JsonArray())) {
      JsonObject entry = (JsonObject) item;
      JsonObject doc = entry.getJsonObject("doc");
      if (!entry.getBoolean("deleted", false) || doc == null || doc.containsKey("channels")
          || StandInUserRows.principal(entry.getString("id"))) {
        continue;
      }
      String path = "/" + db + "/" + encode(entry.getString("id"));
      lookups.add(channels.send(HttpMethod.GET, path + "?revs=true&rev=" + encode(doc.getString("_rev")), null)
          .compose(tombstone -> {
            JsonObject revisions = tombstone.status() == 200
                ? new JsonObject(tombstone.body()).getJsonObject("_revisions") : null;
            if (revisions == null || revisions.getJsonArray("ids").size() < 2) {
              return Future.succeededFuture();
            }
            String parent = (revisions.getInteger("start") - 1) + "-" + revisions.getJsonArray("ids").getString(1);
            return channels.send(HttpMethod.GET, path + "?rev=" + encode(parent), null).map(old -> {
              if (old.status() == 200) {
                entry.put(REMOVED, new JsonArray(StandInChannels.channels(new JsonObject(old.body()))));
              }
              return null;
            });
          }));
    }
    return Future.all(lookups).map(v -> changes);
  }

  private static final String REMOVED = "stand-in.removed";

  /** A feed entry as the user sees it: theirs, shaped as SG's; their own {@code _user/} row; or null. */
  private JsonObject visible(JsonObject entry, Set<String> access, boolean includeDocs, String user) {
    if (StandInUserRows.principal(entry.getString("id"))) {
      return StandInUserRows.entry(entry, user);
    }
    JsonArray removed = (JsonArray) entry.remove(REMOVED);
    if (removed != null) {
      List<String> theirs = removed.stream().map(String::valueOf).filter(c -> access.contains("*") || access.contains(c))
          .toList();
      return theirs.isEmpty() ? null : new JsonObject().put("seq", entry.getValue("seq")).put("id", entry.getString("id"))
          .put("deleted", true).put("removed", new JsonArray(theirs)).put("changes", entry.getJsonArray("changes"));
    }
    return StandInChannels.readable(access, entry.getJsonObject("doc")) ? shaped(entry, includeDocs) : null;
  }

  private JsonObject shaped(JsonObject entry, boolean includeDocs) {
    if (includeDocs) {
      StandInDocuments.addCv(channels.standIn(), entry.getJsonObject("doc"));
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
        .compose(response -> response.body()
            .compose(bytes -> response.statusCode() == 200 ? channels.standIn().digests.toSg(uri, bytes)
                : Future.succeededFuture(bytes))
            .map(bytes -> new StandInChannels.Answer(response.statusCode(), bytes)));
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
