package io.syncgate.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Attachment digests as SG gives them: {@code sha1-} and the Base64 of the content's SHA-1
 * (recorded cases 42 to 72), where PouchDB Server keeps {@code md5-}. Store answers about
 * documents are rewritten on their way out, each digest computed once from the attachment's
 * bytes (inline data, or streamed from the store) and remembered; writes that name a
 * {@code sha1-} digest (stubs) get the store's back. A digest not yet known on a continuous feed
 * stays the store's.
 */
final class StandInDigests {

  private static final Pattern SHA1 = Pattern.compile("sha1-[A-Za-z0-9+/=]+");

  private final SyncGatewayStandIn sg;
  private final Map<String, String> sha1ByMd5 = new ConcurrentHashMap<>();
  private final Map<String, String> md5BySha1 = new ConcurrentHashMap<>();
  private volatile HttpClient store;

  StandInDigests(SyncGatewayStandIn sg) {
    this.sg = sg;
  }

  /**
   * {@code body}, the store's JSON answer to {@code uri}, with SG's digests; attachment bytes
   * ({@code /{db}/{doc}/{name}}) and anything not JSON go as they came.
   */
  Future<Buffer> toSg(String uri, Buffer body) {
    String path = uri.split("\\?", 2)[0];
    String[] segments = path.split("/", -1);
    if (segments.length < 2 || segments.length > 3 || body.length() == 0
        || !body.toString(StandardCharsets.UTF_8).contains("\"md5-")) {
      return Future.succeededFuture(body);
    }
    Object json;
    try {
      json = Json.decodeValue(body);
    } catch (RuntimeException e) {
      return Future.succeededFuture(body);
    }
    List<Future<Void>> work = new ArrayList<>();
    walk(json, segments[1], work);
    return Future.all(work).map(v -> Buffer.buffer(Json.encode(json)));
  }

  /** The feed line or document {@code doc} with the digests already known. */
  void knownToSg(JsonObject json) {
    walk(json, null, null);
  }

  /** A write's JSON for the store: SG's digests back to the store's. */
  Buffer toStore(Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8);
    if (!text.contains("\"sha1-")) {
      return body;
    }
    Matcher matcher = SHA1.matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(md5BySha1.getOrDefault(matcher.group(), matcher.group())));
    }
    matcher.appendTail(out);
    return Buffer.buffer(out.toString());
  }

  /** SG's digest for the store's Etag of an attachment (its MD5 in Base64), or null when not known yet. */
  String forEtag(String md5Base64) {
    return sha1ByMd5.get("md5-" + md5Base64);
  }

  private void walk(Object node, String db, List<Future<Void>> work) {
    if (node instanceof JsonObject object) {
      if (object.getValue("_attachments") instanceof JsonObject atts) {
        for (String name : atts.fieldNames()) {
          if (atts.getValue(name) instanceof JsonObject meta) {
            Future<Void> done = convert(db, object, name, meta, work != null);
            if (work != null) {
              work.add(done);
            }
          }
        }
      }
      object.forEach(entry -> {
        if (!entry.getKey().equals("_attachments")) {
          walk(entry.getValue(), db, work);
        }
      });
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> walk(item, db, work));
    }
  }

  private Future<Void> convert(String db, JsonObject doc, String name, JsonObject meta, boolean mayFetch) {
    String digest = meta.getString("digest");
    if (digest == null || !digest.startsWith("md5-")) {
      return Future.succeededFuture();
    }
    String known = sha1ByMd5.get(digest);
    if (known != null) {
      meta.put("digest", known);
      return Future.succeededFuture();
    }
    if (meta.getString("data") != null) {
      MessageDigest sha1 = sha1();
      sha1.update(Base64.getDecoder().decode(meta.getString("data")));
      meta.put("digest", remember(digest, sha1));
      return Future.succeededFuture();
    }
    String id = doc.getString("_id");
    if (!mayFetch || id == null || db == null) {
      return Future.succeededFuture();
    }
    String rev = doc.getString("_rev");
    String uri = "/" + db + "/" + encode(id) + "/" + encode(name) + (rev == null ? "" : "?rev=" + encode(rev));
    return client().request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri)
            .setHost(sg.documentStore.getHost()).setPort(sg.documentStore.getPort()))
        .compose(request -> request.send())
        .compose(response -> {
          // Streamed through the digest: attachments may be large, and the heap is Syncgate's too.
          Promise<Void> read = Promise.promise();
          MessageDigest sha1 = sha1();
          response.handler(chunk -> sha1.update(chunk.getBytes()));
          response.exceptionHandler(read::tryFail);
          response.endHandler(v -> {
            if (response.statusCode() == 200) {
              meta.put("digest", remember(digest, sha1));
            }
            read.tryComplete();
          });
          return read.future();
        })
        .recover(e -> Future.succeededFuture());
  }

  private String remember(String md5, MessageDigest sha1) {
    String digest = "sha1-" + Base64.getEncoder().encodeToString(sha1.digest());
    sha1ByMd5.put(md5, digest);
    md5BySha1.put(digest, md5);
    return digest;
  }

  private HttpClient client() {
    if (store == null) {
      synchronized (this) {
        if (store == null) {
          store = sg.vertx.createHttpClient(SyncGatewayStandIn.storeClientOptions());
        }
      }
    }
    return store;
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
