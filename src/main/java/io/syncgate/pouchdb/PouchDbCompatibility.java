package io.syncgate.pouchdb;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.syncgate.config.PouchDbPolicy;
import io.syncgate.pouchdb.DocumentFilter.Shape;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Makes Sync Gateway's answers to replication reads fit for PouchDB, which neither SG 4 nor
 * PouchDB 9 does alone: document bodies lose the {@code _} members PouchDB refuses (SG 4's
 * {@code _cv}: PouchDB fails every pull with "Bad special document member: _cv"), and PouchDB's
 * JSON {@code _bulk_get}, which SG refuses (406, SG #2318), is answered from SG's multipart
 * answer, so a pull takes a few batched requests instead of one per document. Bodies stream
 * through; none is held whole. A plain document GET keeps {@code _cv}, which applications use for
 * optimistic concurrency.
 */
public final class PouchDbCompatibility {

  /** The replication reads that carry document bodies. */
  private enum Read { DOCUMENT, FEED, BULK_GET }

  private static final String CONVERT = "syncgate.pouchdb.json-bulk-get";

  private final Set<String> databases;
  private final boolean jsonBulkGet;

  public PouchDbCompatibility(PouchDbPolicy policy) {
    this.databases = Set.copyOf(policy.databases());
    this.jsonBulkGet = policy.jsonBulkGet();
  }

  /** The link that rewrites this exchange, or null when it is none of PouchDB's business. */
  public ProxyInterceptor interceptorFor(HttpMethod method, String backendUri) {
    Read read = classify(method, backendUri);
    return read == null ? null : new Link(read);
  }

  private Read classify(HttpMethod method, String backendUri) {
    QueryStringDecoder uri = new QueryStringDecoder(backendUri);
    String[] segments = uri.rawPath().split("/", -1);
    if (segments.length < 3 || segments.length > 4) {
      return null;
    }
    String keyspace = segments[1];
    int dot = keyspace.indexOf('.');
    if (!databases.contains(dot < 0 ? keyspace : keyspace.substring(0, dot))) {
      return null;
    }
    Map<String, List<String>> query;
    try {
      query = uri.parameters();
    } catch (IllegalArgumentException e) {
      // Not valid percent-encoding: the backend answers that, untouched.
      return null;
    }
    String name = segments[2];
    if (segments.length == 4 && !name.equals("_design")) {
      return null;
    }
    return switch (name) {
      case "_bulk_get" -> method == HttpMethod.POST ? Read.BULK_GET : null;
      case "_changes", "_all_docs" -> method == HttpMethod.POST || is(query, "include_docs") ? Read.FEED : null;
      default -> method == HttpMethod.GET && (!name.startsWith("_") || name.equals("_design"))
          && (query.containsKey("open_revs") || is(query, "revs")) ? Read.DOCUMENT : null;
    };
  }

  private static boolean is(Map<String, List<String>> query, String flag) {
    List<String> values = query.get(flag);
    return values != null && values.contains("true");
  }

  /** A client that asks for JSON and not for multipart, as PouchDB does. */
  private static boolean wantsJsonOnly(String accept) {
    if (accept == null) {
      return false;
    }
    String lower = accept.toLowerCase(Locale.ROOT);
    return lower.contains("application/json") && !lower.contains("multipart/") && !lower.contains("*/*");
  }

  private final class Link implements ProxyInterceptor {
    private final Read read;

    Link(Read read) {
      this.read = read;
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
      MultiMap headers = context.request().headers();
      // Bodies to rewrite must come uncompressed, parts included.
      headers.remove("accept-encoding");
      headers.remove("x-accept-part-encoding");
      if (read == Read.BULK_GET && jsonBulkGet && wantsJsonOnly(headers.get("accept"))) {
        headers.set("accept", "multipart/mixed");
        context.set(CONVERT, Boolean.TRUE);
      }
      return context.sendRequest();
    }

    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
      ProxyResponse response = context.response();
      MultiMap headers = response.headers();
      String encoding = headers.get("content-encoding");
      if (response.getStatusCode() != 200 || encoding != null && !encoding.equalsIgnoreCase("identity")) {
        return context.sendResponse();
      }
      String contentType = headers.get("content-type");
      Transform transform = null;
      String type = contentType;
      if (Boolean.TRUE.equals(context.get(CONVERT, Boolean.class)) && MultipartReader.isMultipart(contentType)) {
        String boundary = MultipartReader.boundary(contentType);
        if (boundary != null) {
          transform = new BulkGetEncoder(boundary);
          type = "application/json";
        }
      } else if (MultipartReader.isMultipart(contentType) && MultipartReader.boundary(contentType) != null) {
        transform = new MultipartFilter(MultipartReader.boundary(contentType), false,
            contentType.trim().toLowerCase(Locale.ROOT).startsWith("multipart/related"));
      } else if (contentType != null && (contentType.toLowerCase(Locale.ROOT).startsWith("application/json")
          // SG types a continuous feed application/octet-stream: its lines are JSON all the same.
          || read == Read.FEED && contentType.toLowerCase(Locale.ROOT).startsWith("application/octet-stream"))) {
        transform = new DocumentFilter(read == Read.DOCUMENT ? Shape.DOCUMENT : Shape.FEED);
      }
      if (transform != null) {
        headers.remove("content-length");
        headers.set("content-type", type);
        // The path only: a query string may carry what no log should.
        response.setBody(Body.body(new TransformedBody(response.getBody().stream(), transform,
            context.request().proxiedRequest().getHeader("x-request-id"), context.request().proxiedRequest().path()),
            -1, type));
      }
      return context.sendResponse();
    }
  }
}
