package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
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
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The stand-in's document reads as Sync Gateway 4 answers them, on top of PouchDB Server: every
 * document body carries SG 4's current version {@code _cv} (doc GETs, {@code open_revs},
 * {@code _bulk_get}, {@code _changes?include_docs}), {@code _all_docs} rows carry {@code value.cv},
 * {@code _bulk_get} answers only {@code multipart/mixed} (406 to a JSON-only client, SG #2318),
 * attachments over 200 bytes follow their document as parts of their own, {@code since} is
 * parsed as SG parses it ({@code now} is 400), {@code last_seq} is a string and heartbeats are
 * at least 25 s. These are the points where PouchDB and SG 4 disagree.
 */
final class StandInDocuments {

  /** SG 4 versions are {@code <16 hex>@<22-char base64 source id>}; this stand-in is one source. */
  static final String SOURCE_ID = "Sg4StandInSourceIdQ+w/";
  private static final int MAX_INLINE_ATTACHMENT = 200;
  static final Pattern SEQUENCE = Pattern.compile("\"?(\\d+(:\\d*)?(:\\d+)?)?\"?");

  /** SG's {@code _changes} timeout: 300 s unless asked, at most 900 s, 0 for none. */
  private static final long DEFAULT_TIMEOUT = 300_000;
  private static final long MAX_TIMEOUT = 900_000;

  private final SyncGatewayStandIn sg;
  private final HttpClient store;
  private final java.util.Map<String, java.util.Set<Runnable>> waiters = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, Boolean> watched = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> changeCounts =
      new java.util.concurrent.ConcurrentHashMap<>();

  StandInDocuments(SyncGatewayStandIn sg, HttpClient store) {
    this.sg = sg;
    this.store = store;
    // Watching from the start, as SG's feed of its bucket: no change is missed by a long-poll.
    sg.databases.forEach(this::watch);
  }

  static String cv(String rev) {
    String hash = rev.substring(rev.indexOf('-') + 1);
    String hex = (hash + "0000000000000000").substring(0, 16);
    return hex + "@" + SOURCE_ID;
  }

  /** Puts SG 4's {@code _cv} in {@code doc}, when the stand-in answers as 4.0. */
  static void addCv(SyncGatewayStandIn sg, JsonObject doc) {
    if (sg.currentVersions() && doc != null && doc.getString("_rev") != null) {
      doc.put("_cv", cv(doc.getString("_rev")));
    }
  }

  /** SG's {@code _all_docs} documents give their attachment stubs {@code "ver": 2} (recorded case 49), nothing else does. */
  static void stubVersions(JsonObject doc) {
    JsonObject atts = doc == null ? null : doc.getJsonObject("_attachments");
    if (atts != null) {
      atts.forEach(entry -> {
        if (entry.getValue() instanceof JsonObject meta && meta.getBoolean("stub", false)) {
          meta.put("ver", 2);
        }
      });
    }
  }

  /** SG's requestAccepts("multipart/"): no Accept at all, or one naming multipart or anything. */
  static boolean acceptsMultipart(String accept) {
    return accept == null || accept.isEmpty() || accept.contains("multipart/") || accept.contains("*/*");
  }

  // ---- GET /{db}/{doc}

  void getDocument(RoutingContext ctx, String db, String storePath) {
    ctx.request().resume();
    String query = ctx.request().query();
    boolean openRevs = ctx.request().params().contains("open_revs");
    String accept = ctx.request().getHeader("accept");
    boolean multipart = openRevs && acceptsMultipart(accept);
    // SG answers a document with attachments, asked for them, as multipart/related to a client
    // that names multipart or names nothing at all (recorded case 43: no Accept), as JSON to one
    // that names only JSON (44).
    boolean related = "true".equals(ctx.request().getParam("attachments")) && acceptsMultipart(accept);
    whenFound(ctx, fetch(HttpMethod.GET, storePath + (query == null ? "" : "?" + query), null, ctx), stored -> {
      if (openRevs) {
        JsonArray revs = new JsonArray(stored.body());
        revs.forEach(item -> addCv(sg, ((JsonObject) item).getJsonObject("ok")));
        if (multipart) {
          String boundary = boundary();
          HttpServerResponse out = ctx.response().setChunked(true)
              .putHeader("content-type", "multipart/mixed; boundary=\"" + boundary + "\"");
          Future<Void> written = Future.succeededFuture();
          for (Object item : revs) {
            JsonObject entry = (JsonObject) item;
            boolean missing = entry.containsKey("missing");
            JsonObject doc = missing ? null : entry.getJsonObject("ok");
            written = written.compose(v -> related && following(doc)
                ? writeWithAttachments(out, boundary, db, doc)
                : out.write("--" + boundary + "\r\nContent-Type: application/json" + (missing ? "; error=\"true\"" : "")
                    + "\r\n\r\n" + canonical(missing ? entry : doc) + "\r\n"));
          }
          written.onSuccess(v -> out.end("--" + boundary + "--\r\n")).onFailure(e -> out.reset());
        } else {
          ctx.response().putHeader("content-type", "application/json").end(revs.encode());
        }
        return;
      }
      JsonObject doc = new JsonObject(stored.body());
      addCv(sg, doc);
      JsonObject atts = doc.getJsonObject("_attachments");
      if (related && atts != null && !atts.isEmpty()) {
        String boundary = boundary();
        HttpServerResponse out = ctx.response().setChunked(true)
            .putHeader("content-type", "multipart/related; boundary=\"" + boundary + "\"")
            .putHeader("etag", "\"" + doc.getString("_rev") + "\"");
        writeRelated(out, boundary, db, doc).onSuccess(v -> out.end("\r\n")).onFailure(e -> out.reset());
        return;
      }
      if (atts != null) {
        // SG gives every attachment its length, inline data too (recorded case 44).
        atts.forEach(entry -> length((JsonObject) entry.getValue()));
      }
      ctx.response().putHeader("content-type", "application/json")
          .putHeader("etag", "\"" + doc.getString("_rev") + "\"").end(canonical(doc));
    });
  }

  /** Whether a document has attachments SG would send as parts of their own. */
  private static boolean following(JsonObject doc) {
    JsonObject atts = doc == null ? null : doc.getJsonObject("_attachments");
    return atts != null && atts.stream().anyMatch(entry -> length((JsonObject) entry.getValue()) > MAX_INLINE_ATTACHMENT);
  }

  /** An attachment's length, which the store leaves out beside inline {@code data} (SG always gives it). */
  private static long length(JsonObject meta) {
    String data = meta.getString("data");
    if (!meta.containsKey("length") && data != null) {
      meta.put("length", Base64.getDecoder().decode(data).length);
    }
    return meta.getLong("length", 0L);
  }

  // ---- GET /{db}/

  /** SG's database info, its {@code update_seq} the store's last sequence, as clients start feeds from it. */
  void databaseInfo(RoutingContext ctx, String db) {
    ctx.request().resume();
    whenFound(ctx, fetch(HttpMethod.GET, "/" + db, null, ctx), stored -> {
      Object seq = new JsonObject(stored.body()).getValue("update_seq");
      JsonObject info = new JsonObject(StandInAdminApi.databaseInfo(sg, db))
          .put("update_seq", seq).put("committed_update_seq", seq);
      ctx.response().putHeader("content-type", "application/json").end(info.encode());
    });
  }

  /** SG's {@code HEAD} of a document: its revision as a strong Etag, no Content-Type, no body. */
  void headDocument(RoutingContext ctx, String storePath) {
    ctx.request().resume();
    fetch(HttpMethod.GET, storePath, null, ctx).onComplete(result -> {
      if (ctx.response().closed()) {
        return;
      }
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      Stored stored = result.result();
      ctx.response().setStatusCode(stored.status());
      if (stored.status() == 200) {
        ctx.response().putHeader("etag", "\"" + new JsonObject(stored.body()).getString("_rev") + "\"");
      }
      ctx.response().end();
    });
  }

  // ---- _all_docs

  void allDocs(RoutingContext ctx, String storePath) {
    proxyJson(ctx, storePath, body -> {
      JsonObject all = StandInUserRows.allDocs(new JsonObject(body));
      boolean keys = ctx.request().params().contains("keys") || ctx.request().method() == HttpMethod.POST;
      for (Object item : all.getJsonArray("rows", new JsonArray())) {
        JsonObject row = (JsonObject) item;
        JsonObject value = row.getJsonObject("value");
        if (!keys && value != null && value.getString("rev") != null && sg.currentVersions()) {
          value.put("cv", cv(value.getString("rev")));
        }
        stubVersions(row.getJsonObject("doc"));
      }
      return all.encode();
    });
  }

  // ---- _changes

  /** SG's {@code Cache-Control} on every feed it answers 200. */
  static final String FEED_CACHE_CONTROL = "private, max-age=0, no-cache, no-store";
  static final String BY_CHANNEL = "sync_gateway/bychannel";

  void changes(RoutingContext ctx, String storePath) {
    ctx.addHeadersEndHandler(v -> {
      if (ctx.response().getStatusCode() == 200) {
        ctx.response().putHeader("cache-control", FEED_CACHE_CONTROL);
      }
    });
    if (ctx.request().method() == HttpMethod.POST) {
      ctx.request().resume();
      ctx.request().body().onFailure(ctx::fail).onSuccess(body -> {
        JsonObject options;
        try {
          options = body.length() == 0 ? new JsonObject() : body.toJsonObject();
        } catch (RuntimeException e) {
          StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
          return;
        }
        if (BY_CHANNEL.equals(options.getString("filter"))) {
          Object channels = options.getValue("channels");
          byChannel(ctx, storePath, String.valueOf(options.getValue("since", "0")),
              channels instanceof JsonArray list ? String.join(",", strings(list)) : (String) channels,
              options.getBoolean("include_docs", false));
        } else {
          proxyJson(ctx, storePath + "?" + ctx.request().query(), Future.succeededFuture(body),
              answer -> sgChanges(answer, options.getBoolean("include_docs", false), ctx.get(StandInPublicApi.USER)));
        }
      });
      return;
    }
    if (BY_CHANNEL.equals(ctx.request().getParam("filter")) && ctx.request().getParam("feed") == null) {
      ctx.request().resume();
      byChannel(ctx, storePath, ctx.request().getParam("since", "0"), ctx.request().getParam("channels"),
          "true".equals(ctx.request().getParam("include_docs")));
      return;
    }
    String since = ctx.request().getParam("since");
    if (since != null && !SEQUENCE.matcher(since).matches()) {
      ctx.request().resume();
      StandInAdminApi.error(ctx, 400, "Bad Request", "Invalid sequence: \"" + since + "\"");
      return;
    }
    String heartbeat = ctx.request().getParam("heartbeat");
    String uri = storePath + "?" + ctx.request().query();
    if (heartbeat != null && heartbeat.matches("\\d+") && Long.parseLong(heartbeat) > 0 && Long.parseLong(heartbeat) < 25_000) {
      uri = uri.replaceAll("(^|[?&])heartbeat=\\d+", "$1heartbeat=25000");
    }
    boolean includeDocs = "true".equals(ctx.request().getParam("include_docs"));
    if ("continuous".equals(ctx.request().getParam("feed"))) {
      continuous(ctx, uri, includeDocs);
      return;
    }
    if ("longpoll".equals(ctx.request().getParam("feed")) && ctx.request().method() == HttpMethod.GET) {
      ctx.request().resume();
      String timeout = ctx.request().getParam("timeout");
      long millis = timeout != null && timeout.matches("\\d{1,9}") ? Math.min(Long.parseLong(timeout), MAX_TIMEOUT)
          : DEFAULT_TIMEOUT;
      longPoll(ctx, storePath.split("/")[1], uri.replaceAll("(^|[?&])(feed|timeout|heartbeat)=[^&]*", "$1"),
          includeDocs, millis == 0 ? Long.MAX_VALUE : System.nanoTime() + millis * 1_000_000);
      return;
    }
    proxyJson(ctx, uri, body -> sgChanges(body, includeDocs, ctx.get(StandInPublicApi.USER)));
  }

  /**
   * SG's own filter: the changes of documents in any of {@code channels} (comma-separated); SG
   * refuses it without them.
   */
  private void byChannel(RoutingContext ctx, String storePath, String since, String channels, boolean includeDocs) {
    if (channels == null || channels.isEmpty()) {
      StandInAdminApi.error(ctx, 400, "Bad Request", "Missing 'channels' filter parameter");
      return;
    }
    if (!SEQUENCE.matcher(since).matches()) {
      StandInAdminApi.error(ctx, 400, "Bad Request", "Invalid sequence: \"" + since + "\"");
      return;
    }
    java.util.Set<String> wanted = java.util.Set.of(channels.split(","));
    proxyJson(ctx, storePath + "?include_docs=true&since=" + encode(since.replace("\"", "")), Future.succeededFuture(null),
        body -> {
          JsonObject changes = new JsonObject(body);
          JsonArray kept = new JsonArray();
          for (Object item : changes.getJsonArray("results", new JsonArray())) {
            JsonObject entry = (JsonObject) item;
            JsonObject doc = entry.getJsonObject("doc");
            JsonArray in = doc == null ? null : doc.getJsonArray("channels");
            if (StandInUserRows.principal(entry.getString("id"))
                || in != null && in.stream().anyMatch(c -> wanted.contains(String.valueOf(c)))) {
              if (!includeDocs) {
                entry.remove("doc");
              }
              kept.add(entry);
            }
          }
          changes.put("results", kept);
          if (!kept.isEmpty()) {
            changes.put("last_seq", kept.getJsonObject(kept.size() - 1).getValue("seq"));
          }
          return sgChanges(changes.encode(), includeDocs, ctx.get(StandInPublicApi.USER));
        });
  }

  private static List<String> strings(JsonArray array) {
    return array.stream().map(String::valueOf).toList();
  }

  private String sgChanges(String body, boolean includeDocs, String user) {
    JsonObject changes = StandInUserRows.results(new JsonObject(body), user);
    if (includeDocs) {
      changes.getJsonArray("results", new JsonArray()).forEach(entry -> addCv(sg, ((JsonObject) entry).getJsonObject("doc")));
    }
    if (changes.getValue("last_seq") != null) {
      changes.put("last_seq", String.valueOf(changes.getValue("last_seq")));
    }
    return changes.encode();
  }

  /**
   * A long-poll held here, as SG holds its feeds in memory: answered at once when there are
   * changes, else when one arrives (one continuous watch of the store per database wakes every
   * waiting feed) or at its timeout with none. PouchDB Server's own long-polls cost it too much to
   * hold thousands.
   */
  private void longPoll(RoutingContext ctx, String db, String once, boolean includeDocs, long deadline) {
    long seen = changeCount(db).get();
    fetch(HttpMethod.GET, once, null, ctx).onComplete(result -> {
      if (ctx.response().closed()) {
        return;
      }
      if (result.failed()) {
        ctx.fail(result.cause());
        return;
      }
      Stored stored = result.result();
      JsonObject changes = stored.status() == 200 ? new JsonObject(stored.body()) : null;
      long left = deadline - System.nanoTime();
      if (changes == null || !changes.getJsonArray("results", new JsonArray()).isEmpty() || left <= 0) {
        if (changes == null) {
          reply(ctx, stored);
        } else {
          ctx.response().putHeader("content-type", "application/json").end(sgChanges(stored.body(), includeDocs, ctx.get(StandInPublicApi.USER)));
        }
        return;
      }
      if (changeCount(db).get() != seen) {
        // A change came while the store was asked: ask again.
        longPoll(ctx, db, once, includeDocs, deadline);
        return;
      }
      Runnable[] wake = new Runnable[1];
      long timer = deadline == Long.MAX_VALUE ? -1 : sg.vertx.setTimer(Math.max(1, left / 1_000_000), t -> {
        waiting(db).remove(wake[0]);
        ctx.response().putHeader("content-type", "application/json").end(sgChanges(stored.body(), includeDocs, ctx.get(StandInPublicApi.USER)));
      });
      wake[0] = () -> {
        sg.vertx.cancelTimer(timer);
        longPoll(ctx, db, once, includeDocs, deadline);
      };
      waiting(db).add(wake[0]);
      ctx.request().connection().closeHandler(v -> {
        sg.vertx.cancelTimer(timer);
        waiting(db).remove(wake[0]);
      });
      if (changeCount(db).get() != seen && waiting(db).remove(wake[0])) {
        // The watch counted a change before this feed was waiting: it would not be woken.
        wake[0].run();
      }
    });
  }

  private java.util.concurrent.atomic.AtomicLong changeCount(String db) {
    return changeCounts.computeIfAbsent(db, k -> new java.util.concurrent.atomic.AtomicLong());
  }

  private java.util.Set<Runnable> waiting(String db) {
    return waiters.computeIfAbsent(db, k -> java.util.concurrent.ConcurrentHashMap.newKeySet());
  }

  /** One continuous feed of the store's changes per database, waking every long-poll waiting on it. */
  private void watch(String db) {
    if (watched.putIfAbsent(db, true) != null) {
      return;
    }
    store.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host()).setPort(port())
            .setURI("/" + db + "/_changes?feed=continuous&since=now&heartbeat=10000"))
        .compose(request -> request.send())
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            // No such database in the store yet: look again later.
            response.end().onComplete(v -> rewatch(db));
            return;
          }
          RecordParser lines = RecordParser.newDelimited("\n", response);
          lines.handler(line -> {
            if (line.length() > 0) {
              changeCount(db).incrementAndGet();
              java.util.List<Runnable> woken = new java.util.ArrayList<>(waiting(db));
              waiting(db).removeAll(woken);
              woken.forEach(Runnable::run);
            }
          });
          // A watch that ended may have missed changes: count one, so waiting feeds look again.
          lines.endHandler(v -> {
            changeCount(db).incrementAndGet();
            rewatch(db);
          });
          lines.exceptionHandler(e -> {
            changeCount(db).incrementAndGet();
            rewatch(db);
          });
        })
        .onFailure(e -> rewatch(db));
  }

  private void rewatch(String db) {
    watched.remove(db);
    sg.vertx.setTimer(1000, t -> watch(db));
  }

  /**
   * A continuous feed as SG sends it: the head at once, the changes so far, then two bare
   * newlines for being caught up (recorded cases 65 and 66), then the store's own continuous feed
   * from there, with its heartbeats.
   */
  private void continuous(RoutingContext ctx, String uri, boolean includeDocs) {
    ctx.request().resume();
    String user = ctx.get(StandInPublicApi.USER);
    HttpServerResponse out = ctx.response().setChunked(true).putHeader("content-type", "application/octet-stream");
    out.writeHead();
    String once = uri.replaceAll("(^|[?&])(feed|heartbeat|timeout)=[^&]*", "$1");
    fetch(HttpMethod.GET, once, null, ctx).onFailure(e -> out.reset()).onSuccess(stored -> {
      if (ctx.response().closed()) {
        return;
      }
      if (stored.status() != 200) {
        out.reset();
        return;
      }
      JsonObject sofar = new JsonObject(stored.body());
      for (Object item : sofar.getJsonArray("results", new JsonArray())) {
        JsonObject entry = StandInUserRows.entry((JsonObject) item, user);
        if (entry != null) {
          if (includeDocs) {
            addCv(sg, entry.getJsonObject("doc"));
          } else {
            entry.remove("doc");
          }
          out.write(entry.encode() + "\n");
        }
      }
      out.write("\n");
      out.write("\n");
      String from = uri.replaceAll("(^|[?&])since=[^&]*", "$1") + (uri.contains("?") ? "&" : "?") + "since="
          + encode(String.valueOf(sofar.getValue("last_seq")));
      follow(ctx, out, from, includeDocs, user);
    });
  }

  private void follow(RoutingContext ctx, HttpServerResponse out, String uri, boolean includeDocs, String user) {
    store.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri).setHost(host()).setPort(port()))
        .compose(request -> request.send())
        .onFailure(e -> out.reset())
        .onSuccess(response -> {
          RecordParser lines = RecordParser.newDelimited("\n", response);
          lines.handler(line -> {
            if (line.length() == 0) {
              out.write("\n");
              return;
            }
            JsonObject entry = StandInUserRows.entry(new JsonObject(line), user);
            if (entry == null) {
              return;
            }
            if (includeDocs) {
              addCv(sg, entry.getJsonObject("doc"));
              sg.digests.knownToSg(entry);
            }
            out.write(entry.encode() + "\n");
          });
          lines.endHandler(v -> out.end());
          ctx.request().connection().closeHandler(v -> response.request().reset());
        });
  }

  // ---- _bulk_get

  void bulkGet(RoutingContext ctx, String db) {
    if (!acceptsMultipart(ctx.request().getHeader("accept"))) {
      ctx.request().resume();
      StandInAdminApi.error(ctx, 406, "Not Acceptable", "Response is multipart");
      return;
    }
    boolean revs = "true".equals(ctx.request().getParam("revs"));
    boolean attachments = "true".equals(ctx.request().getParam("attachments"));
    // The user's channels when the database has them on (StandInChannels), else null: all readable.
    java.util.Set<String> access = ctx.get(StandInChannels.ACCESS);
    ctx.request().resume();
    ctx.request().body().onFailure(ctx::fail).onSuccess(requestBody -> {
      JsonObject request;
      try {
        request = requestBody.toJsonObject();
      } catch (RuntimeException e) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
        return;
      }
      JsonArray docs = request.getJsonArray("docs");
      if (docs == null) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "missing 'docs' property");
        return;
      }
      String boundary = boundary();
      HttpServerResponse out = ctx.response().setChunked(true)
          .putHeader("content-type", "multipart/mixed; boundary=\"" + boundary + "\"");
      Future<Void> written = Future.succeededFuture();
      for (Object item : docs) {
        JsonObject wanted = (JsonObject) item;
        written = written.compose(v -> writeRevision(out, boundary, db, wanted, revs, attachments, access));
      }
      written.onSuccess(v -> out.end("--" + boundary + "--\r\n"))
          .onFailure(e -> out.reset());
    });
  }

  private Future<Void> writeRevision(HttpServerResponse out, String boundary, String db, JsonObject wanted,
      boolean revs, boolean attachments, java.util.Set<String> access) {
    String id = wanted.getString("id");
    String rev = wanted.getString("rev");
    String path = "/" + db + "/" + encode(id) + "?revs=" + revs + (rev == null ? "" : "&rev=" + encode(rev));
    return fetch(HttpMethod.GET, path, null).compose(stored -> {
      int status = stored.status() == 200 && access != null
          && !StandInChannels.readable(access, new JsonObject(stored.body())) ? 403 : stored.status();
      if (status != 200) {
        String error404 = status == 404 ? "not_found" : status == 403 ? "forbidden" : "error";
        JsonObject error = new JsonObject().put("id", id).put("error", error404)
            .put("reason", status == 404 ? "missing" : status == 403 ? "forbidden" : "error").put("status", status);
        if (rev != null) {
          error.put("rev", rev);
        }
        return out.write("--" + boundary + "\r\nContent-Type: application/json; error=\"true\"\r\n\r\n"
            + canonical(error) + "\r\n");
      }
      JsonObject doc = new JsonObject(stored.body());
      addCv(sg, doc);
      JsonObject atts = doc.getJsonObject("_attachments");
      if (!attachments || atts == null || atts.isEmpty()) {
        return out.write("--" + boundary + "\r\nContent-Type: application/json\r\n\r\n" + canonical(doc) + "\r\n");
      }
      return writeWithAttachments(out, boundary, db, doc);
    });
  }

  /** A document with its attachments: small ones inline, the rest following as parts (SG's WriteMultipartDocument). */
  private Future<Void> writeWithAttachments(HttpServerResponse out, String boundary, String db, JsonObject doc) {
    String related = boundary();
    // SG names the document and revision on its part (recorded case 72).
    return out.write("--" + boundary + "\r\nContent-Type: multipart/related; boundary=\"" + related + "\"\r\n"
            + "X-Doc-Id: " + doc.getString("_id") + "\r\nX-Rev-Id: " + doc.getString("_rev") + "\r\n\r\n")
        .compose(v -> writeRelated(out, related, db, doc))
        // SG trims the nested body's final line break; the outer delimiter brings its own.
        .compose(v -> out.write("\r\n"));
  }

  /** The {@code multipart/related} body of a document: its JSON, then each attachment over 200 bytes. */
  private Future<Void> writeRelated(HttpServerResponse out, String related, String db, JsonObject doc) {
    JsonObject atts = doc.getJsonObject("_attachments");
    List<String> following = new ArrayList<>();
    Future<Void> inlined = Future.succeededFuture();
    for (String name : atts.fieldNames()) {
      JsonObject meta = atts.getJsonObject(name);
      meta.remove("stub");
      if (length(meta) > MAX_INLINE_ATTACHMENT) {
        meta.remove("data");
        meta.put("follows", true);
        following.add(name);
      } else if (length(meta) == 0) {
        meta.put("data", "");
      } else if (!meta.containsKey("data")) {
        inlined = inlined.compose(v -> fetch(HttpMethod.GET, attachmentPath(db, doc, name), null)
            .map(stored -> {
              meta.put("data", Base64.getEncoder().encodeToString(stored.bytes().getBytes()));
              return null;
            }));
      }
    }
    return inlined.compose(v -> out.write("--" + related + "\r\nContent-Type: application/json\r\n\r\n" + canonical(doc)))
        .compose(v -> {
          Future<Void> parts = Future.succeededFuture();
          for (String name : following) {
            String type = atts.getJsonObject(name).getString("content_type");
            parts = parts.compose(w -> out.write("\r\n--" + related + "\r\n"
                    + (type == null ? "" : "Content-Type: " + type + "\r\n")
                    + "Content-Disposition: attachment; filename=\"" + name.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"\r\n\r\n"))
                .compose(w -> streamAttachment(out, attachmentPath(db, doc, name)));
          }
          return parts;
        })
        .compose(v -> out.write("\r\n--" + related + "--"));
  }

  private Future<Void> streamAttachment(HttpServerResponse out, String path) {
    return store.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path).setHost(host()).setPort(port()))
        .compose(request -> request.send())
        .compose(response -> response.pipe().endOnComplete(false).to(out));
  }

  private static String attachmentPath(String db, JsonObject doc, String name) {
    return "/" + db + "/" + encode(doc.getString("_id")) + "/" + encode(name) + "?rev=" + encode(doc.getString("_rev"));
  }

  // ---- plumbing

  record Stored(int status, MultiMap headers, Buffer bytes) {
    String body() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  private Future<Stored> fetch(HttpMethod method, String uri, Buffer body) {
    return fetch(method, uri, body, null);
  }

  /** The store's answer to a JSON request, for the stand-in's other handlers. */
  Future<StandInChannels.Answer> send(HttpMethod method, String uri, Buffer body) {
    return fetch(method, uri, body).map(stored -> new StandInChannels.Answer(stored.status(), stored.bytes()));
  }

  /**
   * Fetches from the store; when the client of {@code ctx} goes away first, so does the store
   * request (a long-poll). A GET whose connection the store closed before answering (PouchDB
   * Server drops some when many readers load it) is asked again, once, as SG retries its bucket.
   */
  private Future<Stored> fetch(HttpMethod method, String uri, Buffer body, RoutingContext ctx) {
    Future<Stored> fetched = fetchOnce(method, uri, body, ctx);
    if (method != HttpMethod.GET) {
      return fetched;
    }
    return fetched.recover(failure -> failure instanceof io.vertx.core.http.HttpClosedException
        && (ctx == null || !ctx.response().closed())
        ? fetchOnce(method, uri, body, ctx) : Future.failedFuture(failure));
  }

  private Future<Stored> fetchOnce(HttpMethod method, String uri, Buffer body, RoutingContext ctx) {
    return store.request(new RequestOptions().setMethod(method).setURI(uri).setHost(host()).setPort(port())
            .putHeader("accept", "application/json").putHeader("content-type", "application/json"))
        .compose(request -> {
          if (ctx != null) {
            ctx.response().closeHandler(v -> request.reset());
          }
          return body == null ? request.send() : request.send(body);
        })
        .compose(response -> response.body()
            .compose(bytes -> response.statusCode() == 200 ? sg.digests.toSg(uri, bytes) : Future.succeededFuture(bytes))
            .map(bytes -> new Stored(response.statusCode(), response.headers(), bytes)));
  }

  private void proxyJson(RoutingContext ctx, String uri, java.util.function.Function<String, String> rewrite) {
    ctx.request().resume();
    proxyJson(ctx, uri, ctx.request().method() == HttpMethod.POST ? ctx.request().body() : Future.succeededFuture(null),
        rewrite);
  }

  private void proxyJson(RoutingContext ctx, String uri, Future<Buffer> requestBody,
      java.util.function.Function<String, String> rewrite) {
    whenFound(ctx, requestBody.compose(body -> fetch(ctx.request().method(), uri, body, ctx)),
        stored -> ctx.response().putHeader("content-type", "application/json").end(rewrite.apply(stored.body())));
  }

  /** Runs {@code found} with the store's 200 answer; anything else goes back to the client as it came. */
  private static void whenFound(RoutingContext ctx, Future<Stored> fetched, java.util.function.Consumer<Stored> found) {
    fetched.onComplete(result -> {
      if (ctx.response().closed()) {
        return;
      }
      if (result.failed()) {
        ctx.fail(result.cause());
      } else if (result.result().status() != 200) {
        reply(ctx, result.result());
      } else {
        found.accept(result.result());
      }
    });
  }

  private static void reply(RoutingContext ctx, Stored stored) {
    ctx.response().setStatusCode(stored.status()).putHeader("content-type", "application/json").end(stored.bytes());
  }

  /** Go's encoding of SG's bodies: keys sorted (JSONMarshalCanonical). */
  private static String canonical(JsonObject object) {
    return new JsonObject(new TreeMap<>(object.getMap())).encode();
  }

  private static String boundary() {
    return UUID.randomUUID().toString().replace("-", "") + UUID.randomUUID().toString().replace("-", "").substring(0, 28);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private String host() {
    return sg.documentStore.getHost();
  }

  private int port() {
    return sg.documentStore.getPort();
  }

}
