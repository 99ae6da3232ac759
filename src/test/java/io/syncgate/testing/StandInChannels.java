package io.syncgate.testing;

import io.syncgate.testing.SyncGatewayStandIn.User;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sync Gateway's channels, for the databases that opt in ({@link #enable}): documents carry their
 * channels in {@code channels}, and a user reads only documents in a channel that their
 * {@code admin_channels}, or a role's channels ({@link #defineRole}), grant ({@code *} grants
 * all, {@code !} is everyone's). Writes pass {@link #SYNC_FUNCTION} (or, asked for,
 * {@link SyncFunction#CHANNELS_ONLY}, the recording's), which the stand-in plays in Java: the writer must have access to the channels written and to those of the revision
 * replaced, and a deletion without channels keeps those of what it deletes, so that its
 * readers see it go. Databases not enabled see no change at all.
 *
 * <p>Reads of an enabled database are answered here ({@link StandInChannelReads}), more simply
 * than {@link StandInDocuments} does: {@code _bulk_get} inlines every attachment.
 */
public final class StandInChannels {

  /** The sync function played here; docs/web-apps.md gives it for a real Sync Gateway. */
  public static final String SYNC_FUNCTION = """
      function (doc, oldDoc) {
        // A deletion may come without a body: it stays in the channels of what it deletes.
        var channels = doc._deleted && !doc.channels && oldDoc ? oldDoc.channels : doc.channels;
        if (!channels || channels.length === 0) {
          throw({forbidden: "a document needs channels"});
        }
        // The writer must be able to read where it writes, and what it replaces.
        requireAccess(channels);
        if (oldDoc && !oldDoc._deleted) {
          requireAccess(oldDoc.channels);
        }
        channel(channels);
      }""";

  /** The sync function a database runs. */
  public enum SyncFunction {
    /** {@link #SYNC_FUNCTION}: writers need access to what they write and replace. */
    REQUIRE_ACCESS,
    /**
     * {@code function(doc,oldDoc){channel(doc.channels);}}, the one SG 4.0's answers were recorded
     * with ({@code sync-gateway-4.0-responses/README.md}): every write passes, and a deletion,
     * having no channels, leaves its readers' feeds as a {@code removed} entry and is 403 to them.
     */
    CHANNELS_ONLY
  }

  /** Where a database's reads find the user's channels, for the stand-in's own read handlers. */
  static final String ACCESS = "stand-in.access";

  private final SyncGatewayStandIn sg;
  private final Map<String, SyncFunction> enabled = new ConcurrentHashMap<>();
  private final Map<String, Map<String, List<String>>> roles = new ConcurrentHashMap<>();
  private volatile HttpClient store;
  private volatile StandInChannelReads reads;

  StandInChannels(SyncGatewayStandIn sg) {
    this.sg = sg;
  }

  /** Turns channels on for {@code db}, with {@link #SYNC_FUNCTION}. */
  public StandInChannels enable(String db) {
    return enable(db, SyncFunction.REQUIRE_ACCESS);
  }

  /** Turns channels on for {@code db}, with the sync function {@code function}. */
  public synchronized StandInChannels enable(String db, SyncFunction function) {
    if (!sg.databases.contains(db)) {
      throw new IllegalArgumentException("the stand-in has no database " + db);
    }
    if (store == null) {
      // Made once channels are on somewhere: a stand-in without them keeps no client for them.
      store = sg.vertx.createHttpClient(SyncGatewayStandIn.storeClientOptions());
      reads = new StandInChannelReads(this, store);
    }
    enabled.put(db, function);
    return this;
  }

  /** Gives the role {@code role} of {@code db} its channels, as SG's {@code PUT /{db}/_role/{role}} would. */
  public StandInChannels defineRole(String db, String role, List<String> channels) {
    roles.computeIfAbsent(db, k -> new ConcurrentHashMap<>()).put(role, List.copyOf(channels));
    return this;
  }

  /** The channels {@code user} of {@code db} may read: their own and their roles'. */
  Set<String> access(String db, String user) {
    User found = sg.users.get(db).get(user);
    Set<String> channels = new HashSet<>(List.of("!"));
    if (found != null) {
      channels.addAll(found.channels());
      Map<String, List<String>> defined = roles.getOrDefault(db, Map.of());
      // Roles given here, or through the Admin API as SG's PUT _role does.
      Map<String, List<String>> admin = sg.roles.getOrDefault(db, Map.of());
      found.roles().forEach(role -> {
        channels.addAll(defined.getOrDefault(role, List.of()));
        channels.addAll(admin.getOrDefault(role, List.of()));
      });
    }
    return channels;
  }

  /** A document's channels: an array of names or one name. */
  static List<String> channels(JsonObject doc) {
    Object value = doc == null ? null : doc.getValue("channels");
    if (value instanceof String name) {
      return List.of(name);
    }
    if (value instanceof JsonArray names) {
      return names.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }
    return List.of();
  }

  static boolean readable(Set<String> access, JsonObject doc) {
    return access.contains("*") || channels(doc).stream().anyMatch(access::contains);
  }

  /** Why {@link #SYNC_FUNCTION} refuses {@code doc} over {@code old}, or null when it passes. */
  static String refusal(Set<String> access, JsonObject doc, JsonObject old) {
    boolean keepsOld = doc.getBoolean("_deleted", false) && !doc.containsKey("channels") && old != null;
    List<String> channels = keepsOld ? channels(old) : channels(doc);
    if (channels.isEmpty()) {
      return "a document needs channels";
    }
    boolean all = access.contains("*");
    if (!all && channels.stream().noneMatch(access::contains)) {
      return "missing channel access";
    }
    if (old != null && !old.getBoolean("_deleted", false) && !all && !readable(access, old)) {
      return "missing channel access";
    }
    return null;
  }

  /**
   * The public API's handler for requests past authentication: an enabled database's document
   * reads and writes are answered here, anything else goes on.
   */
  void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    String db = StandInPublicApi.database(path);
    SyncFunction function = enabled.get(db);
    if (function == null) {
      ctx.next();
      return;
    }
    Set<String> access = access(db, ctx.get(StandInPublicApi.USER));
    ctx.put(ACCESS, access);
    boolean checked = function == SyncFunction.REQUIRE_ACCESS;
    int slash = path.indexOf('/', 1);
    String rest = slash < 0 ? "" : path.substring(slash);
    HttpMethod method = ctx.request().method();
    boolean websocket = "websocket".equals(ctx.request().getParam("feed"));
    switch (rest) {
      case "/_changes" -> {
        if (websocket) {
          ctx.next();
        } else {
          reads.changes(ctx, db, access);
        }
      }
      case "/_all_docs" -> reads.allDocs(ctx, db, access);
      case "/_bulk_get" -> {
        if (checked) {
          reads.bulkGet(ctx, db, access);
        } else {
          // SG's own multipart, with ACCESS for what the user may not read.
          ctx.next();
        }
      }
      case "/_bulk_docs" -> {
        if (checked) {
          bulkDocs(ctx, db, access);
        } else {
          ctx.next();
        }
      }
      case "", "/" -> {
        if (method == HttpMethod.POST && checked) {
          write(ctx, db, access, null);
        } else {
          ctx.next();
        }
      }
      default -> {
        String[] segments = rest.substring(1).split("/", -1);
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        if (rest.startsWith("/_") || segments.length > 2 || !checked && !read) {
          ctx.next();
        } else if (read || segments.length == 2) {
          // Reads, and attachment writes, go on once the document is known to be the user's.
          reads.whenReadable(ctx, db, segments[0], access, method != HttpMethod.GET && method != HttpMethod.HEAD);
        } else {
          write(ctx, db, access, segments[0]);
        }
      }
    }
  }

  /** PUT, DELETE or POST of one document, through the sync function. */
  private void write(RoutingContext ctx, String db, Set<String> access, String encodedId) {
    String type = ctx.request().getHeader("content-type");
    if (type != null && type.startsWith("multipart/")) {
      ctx.next();
      return;
    }
    ctx.request().resume();
    HttpMethod method = ctx.request().method();
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      JsonObject doc;
      try {
        doc = method == HttpMethod.DELETE || bytes.length() == 0 ? new JsonObject() : bytes.toJsonObject();
      } catch (RuntimeException e) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
        return;
      }
      if (method == HttpMethod.DELETE) {
        doc.put("_deleted", true).put("_rev", ctx.request().getParam("rev"));
      }
      String id = encodedId != null ? encodedId
          : doc.getString("_id") == null ? null : StandInChannelReads.encode(doc.getString("_id"));
      Future<JsonObject> old = id == null ? Future.succeededFuture() : current(db, id);
      old.onFailure(ctx::fail).onSuccess(previous -> {
        String refused = refusal(access, doc, previous);
        if (refused != null) {
          StandInAdminApi.error(ctx, 403, "forbidden", refused);
          return;
        }
        keepChannels(doc, previous);
        // A deletion is stored as a tombstone with its channels, as SG keeps them for it.
        HttpMethod stored = method == HttpMethod.DELETE ? HttpMethod.PUT : method;
        String uri = "/" + db + (encodedId == null ? "/" : "/" + encodedId)
            + (ctx.request().query() == null ? "" : "?" + ctx.request().query());
        send(stored, uri, doc.toBuffer()).onFailure(ctx::fail).onSuccess(answer -> ctx.response()
            .setStatusCode(answer.status()).putHeader("content-type", "application/json").end(answer.body()));
      });
    });
  }

  /** POST _bulk_docs: refused documents answer 403 in their place, the rest go to the store. */
  private void bulkDocs(RoutingContext ctx, String db, Set<String> access) {
    ctx.request().resume();
    ctx.request().body().onFailure(ctx::fail).onSuccess(bytes -> {
      JsonObject request;
      try {
        request = bytes.toJsonObject();
      } catch (RuntimeException e) {
        StandInAdminApi.error(ctx, 400, "Bad Request", "Bad JSON");
        return;
      }
      JsonArray docs = request.getJsonArray("docs", new JsonArray());
      List<Future<String>> checks = new ArrayList<>();
      for (Object item : docs) {
        JsonObject doc = (JsonObject) item;
        String id = doc.getString("_id");
        Future<JsonObject> old = id == null ? Future.succeededFuture() : current(db, StandInChannelReads.encode(id));
        checks.add(old.map(previous -> {
          String refused = refusal(access, doc, previous);
          if (refused == null) {
            keepChannels(doc, previous);
          }
          return refused;
        }));
      }
      Future.all(checks).onFailure(ctx::fail).onSuccess(all -> {
        JsonArray accepted = new JsonArray();
        JsonArray refusals = new JsonArray();
        for (int i = 0; i < docs.size(); i++) {
          String refused = checks.get(i).result();
          if (refused == null) {
            accepted.add(docs.getValue(i));
          } else {
            refusals.add(new JsonObject().put("id", docs.getJsonObject(i).getString("_id")).put("error", "forbidden")
                .put("reason", refused).put("status", 403));
          }
        }
        send(HttpMethod.POST, "/" + db + "/_bulk_docs", request.copy().put("docs", accepted).toBuffer())
            .onFailure(ctx::fail).onSuccess(answer -> {
              if (answer.status() >= 300) {
                ctx.response().setStatusCode(answer.status()).end(answer.body());
                return;
              }
              JsonArray results = refusals.copy().addAll(new JsonArray(answer.body()));
              ctx.response().setStatusCode(201).putHeader("content-type", "application/json").end(results.encode());
            });
      });
    });
  }

  private static void keepChannels(JsonObject doc, JsonObject previous) {
    if (doc.getBoolean("_deleted", false) && !doc.containsKey("channels") && previous != null) {
      doc.put("channels", new JsonArray(channels(previous)));
    }
  }

  /** The document's current revision in the store, or null when it has none (or it is deleted). */
  Future<JsonObject> current(String db, String encodedId) {
    return send(HttpMethod.GET, "/" + db + "/" + encodedId, null)
        .map(answer -> answer.status() == 200 ? new JsonObject(answer.body()) : null);
  }

  record Answer(int status, Buffer body) {}

  Future<Answer> send(HttpMethod method, String uri, Buffer body) {
    return store.request(new RequestOptions().setMethod(method).setURI(uri)
            .setHost(sg.documentStore.getHost()).setPort(sg.documentStore.getPort())
            .putHeader("accept", "application/json").putHeader("content-type", "application/json"))
        .compose(request -> body == null ? request.send() : request.send(sg.digests.toStore(body)))
        .compose(response -> response.body()
            .compose(bytes -> response.statusCode() == 200 ? sg.digests.toSg(uri, bytes) : Future.succeededFuture(bytes))
            .map(bytes -> new Answer(response.statusCode(), bytes)));
  }

  SyncGatewayStandIn standIn() {
    return sg;
  }
}
