package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

/**
 * Document writes answered as Sync Gateway 4.0 answers them (its recorded answers), on top of
 * PouchDB Server's: JSON with SG 4's {@code cv} beside {@code rev}, the revision as a strong
 * {@code Etag} (not on a delete), no {@code Location} but on {@code POST /{db}/}, which answers
 * 200 with a 32-hex id of SG's form; a conflict is "Document exists" without a revision and
 * "Document revision conflict" with one; {@code _bulk_docs} rows are {@code {cv,id,rev}} or
 * carry their {@code status}, and with {@code new_edits: false} list every document written.
 */
final class StandInWrites implements ProxyInterceptor {

  private enum Kind { DOCUMENT, CREATE, DELETE, BULK }

  private static final String KIND = "stand-in.write";
  private static final String HAD_REV = "stand-in.had-rev";
  private static final String WRITTEN = "stand-in.written";

  private final SyncGatewayStandIn sg;

  StandInWrites(SyncGatewayStandIn sg) {
    this.sg = sg;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    ProxyRequest request = context.request();
    Kind kind = classify(request.getMethod(), request.getURI());
    if (kind == null) {
      return context.sendRequest();
    }
    context.set(KIND, kind);
    request.headers().set("accept", "application/json");
    boolean revInQuery = request.getURI().matches(".*[?&]rev=.*") || request.headers().contains("if-match");
    context.set(HAD_REV, revInQuery);
    if (kind == Kind.CREATE) {
      String id = sg.newSessionId().substring(0, 32);
      request.setMethod(HttpMethod.PUT);
      request.setURI(request.getURI().replaceFirst("/?(\\?.*)?$", "/" + id + "$1"));
    }
    String type = request.headers().get("content-type");
    if (kind == Kind.DELETE || type == null || !type.toLowerCase().startsWith("application/json")) {
      return context.sendRequest();
    }
    return collect(request.getBody().stream()).compose(body -> {
      Buffer sent = body;
      try {
        Object json = Json.decodeValue(body);
        if (json instanceof JsonObject doc) {
          context.set(HAD_REV, revInQuery || doc.containsKey("_rev"));
          if (kind == Kind.BULK && !doc.getBoolean("new_edits", true)) {
            context.set(WRITTEN, doc.getJsonArray("docs", new JsonArray()));
          } else if (kind == Kind.BULK) {
            // SG names a document sent without _id with 32 hex digits, PouchDB Server with a UUID.
            doc.getJsonArray("docs", new JsonArray()).stream().filter(JsonObject.class::isInstance)
                .map(JsonObject.class::cast).filter(d -> !d.containsKey("_id"))
                .forEach(d -> d.put("_id", sg.newSessionId().substring(0, 32)));
            sent = Buffer.buffer(doc.encode());
          }
        }
      } catch (RuntimeException e) {
        // Not JSON: the store answers that.
      }
      request.headers().remove("content-length");
      // Stubs naming SG's digests name the store's again.
      request.setBody(Body.body(sg.digests.toStore(sent), MediaType.parse(type)));
      return context.sendRequest();
    });
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    Kind kind = context.get(KIND, Kind.class);
    ProxyResponse response = context.response();
    if (kind == null || response.getBody() == null) {
      return context.sendResponse();
    }
    boolean hadRev = Boolean.TRUE.equals(context.get(HAD_REV, Boolean.class));
    JsonArray written = context.get(WRITTEN, JsonArray.class);
    return collect(response.getBody().stream()).compose(body -> {
      Object json;
      try {
        json = Json.decodeValue(body);
      } catch (RuntimeException e) {
        String mediaType = response.getBody().mediaType();
        response.setBody(mediaType == null ? Body.body(body) : Body.body(body, MediaType.parse(mediaType)));
        return context.sendResponse();
      }
      response.headers().remove("location").remove("etag").remove("content-length");
      response.putHeader("content-type", "application/json");
      Object answer = json;
      if (json instanceof JsonObject result && result.getString("rev") != null && response.getStatusCode() < 300) {
        String rev = result.getString("rev");
        answer = new JsonObject().put("id", result.getString("id")).put("ok", true).put("rev", rev);
        if (sg.currentVersions()) {
          ((JsonObject) answer).put("cv", StandInDocuments.cv(rev));
        }
        if (kind != Kind.DELETE) {
          response.putHeader("etag", "\"" + rev + "\"");
        }
        if (kind == Kind.CREATE) {
          response.setStatusCode(200).putHeader("location", result.getString("id"));
        }
      } else if (json instanceof JsonObject error && response.getStatusCode() == 409) {
        answer = error.put("reason", hadRev ? "Document revision conflict" : "Document exists");
      } else if (json instanceof JsonArray rows && kind == Kind.BULK) {
        answer = bulkRows(written != null && rows.isEmpty() ? asWritten(written) : rows, sg.currentVersions());
      }
      response.setBody(Body.body(Buffer.buffer(Json.encode(answer)), MediaType.parse("application/json")));
      return context.sendResponse();
    });
  }

  private static JsonArray bulkRows(JsonArray rows, boolean currentVersions) {
    JsonArray out = new JsonArray();
    for (Object item : rows) {
      JsonObject row = (JsonObject) item;
      if (row.getString("error") == null) {
        String rev = row.getString("rev");
        JsonObject written = new JsonObject().put("id", row.getString("id")).put("rev", rev);
        out.add(currentVersions ? written.put("cv", StandInDocuments.cv(rev)) : written);
      } else if ("conflict".equals(row.getString("error"))) {
        out.add(new JsonObject().put("error", "conflict").put("id", row.getString("id"))
            .put("reason", "Document exists").put("status", 409));
      } else {
        out.add(row.copy().put("status", row.getInteger("status", 400)));
      }
    }
    return out;
  }

  /** What SG lists for {@code new_edits: false}: each document as it was given. */
  private static JsonArray asWritten(JsonArray docs) {
    JsonArray rows = new JsonArray();
    for (Object item : docs) {
      JsonObject doc = (JsonObject) item;
      rows.add(new JsonObject().put("id", doc.getString("_id")).put("rev", doc.getString("_rev")));
    }
    return rows;
  }

  /** Which write {@code uri} (on the store, {@code /{db}/...}) is, or null for none of these. */
  private static Kind classify(HttpMethod method, String uri) {
    String path = uri.split("\\?", 2)[0];
    String[] segments = path.split("/", -1);
    if (segments.length == 3 && segments[2].isEmpty() && method == HttpMethod.POST) {
      return Kind.CREATE;
    }
    if (segments.length == 3 && segments[2].equals("_bulk_docs") && method == HttpMethod.POST) {
      return Kind.BULK;
    }
    if (segments.length < 3 || segments.length > 4 || segments[2].isEmpty() || segments[2].startsWith("_")) {
      return null;
    }
    if (method == HttpMethod.PUT) {
      return Kind.DOCUMENT;
    }
    return method == HttpMethod.DELETE ? Kind.DELETE : null;
  }

  private static Future<Buffer> collect(ReadStream<Buffer> stream) {
    Promise<Buffer> done = Promise.promise();
    Buffer all = Buffer.buffer();
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryComplete(all));
    stream.handler(all::appendBuffer);
    stream.resume();
    return done.future();
  }
}
