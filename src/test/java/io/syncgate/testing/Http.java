package io.syncgate.testing;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plain HTTP for tests, over Vert.x's client because it sends the request target exactly as
 * written (dot segments and percent-encoding included), which is what the negative tests need.
 */
public final class Http implements AutoCloseable {

  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      return headers.get(name);
    }

    public List<String> headers(String name) {
      return headers.getAll(name);
    }

    @Override
    public String toString() {
      return status + " " + headers.entries() + " " + body;
    }
  }

  private final HttpClient client;
  private final Context context;

  public Http(Vertx vertx) {
    this.client = vertx.createHttpClient();
    // Every request starts on this one context. Vert.x 5.0.7's client, called from a plain thread
    // (a fresh context per call) over pooled connections, now and then never completes a response.
    this.context = vertx.getOrCreateContext();
  }

  public Response send(HttpMethod method, int port, String uri, Map<String, String> headers, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri)
        .setConnectTimeout(10_000)
        .setIdleTimeout(30_000);
    headers.forEach(options::putHeader);
    Promise<Response> done = Promise.promise();
    context.runOnContext(v -> client.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(response -> response.body().map(b -> new Response(response.statusCode(), response.headers(), b)))
        .onComplete(done));
    return done.future().timeout(30, TimeUnit.SECONDS).await();
  }

  public Response get(int port, String uri, Map<String, String> headers) {
    return send(HttpMethod.GET, port, uri, headers, null);
  }

  public Response post(int port, String uri, Map<String, String> headers) {
    return send(HttpMethod.POST, port, uri, headers, Buffer.buffer("{}"));
  }

  public static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  @Override
  public void close() {
    client.close().await();
  }
}
