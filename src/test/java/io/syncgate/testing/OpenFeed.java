package io.syncgate.testing;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client's continuous {@code _changes} feed through Syncgate, on a connection of its own, that
 * tells when Syncgate ended it (its connection closed or its response ended).
 */
public final class OpenFeed implements AutoCloseable {

  private final HttpClient client;
  private final int status;
  private final AtomicBoolean ended;

  private OpenFeed(HttpClient client, int status, AtomicBoolean ended) {
    this.client = client;
    this.status = status;
    this.ended = ended;
  }

  /** Opens {@code uri} on 127.0.0.1:{@code port} and waits for the response head. */
  public static OpenFeed open(Vertx vertx, int port, String uri, Map<String, String> headers) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    AtomicBoolean ended = new AtomicBoolean();
    Context context = vertx.getOrCreateContext();
    Promise<HttpClientResponse> opened = Promise.promise();
    context.runOnContext(v -> {
      RequestOptions options = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
      headers.forEach(options::putHeader);
      client.request(options)
          .compose(HttpClientRequest::send)
          .onSuccess(response -> {
            response.request().connection().closeHandler(closed -> ended.set(true));
            response.endHandler(done -> ended.set(true));
            response.exceptionHandler(e -> ended.set(true));
            response.handler(chunk -> { });
          })
          .onComplete(opened);
    });
    try {
      return new OpenFeed(client, opened.future().await(10, TimeUnit.SECONDS).statusCode(), ended);
    } catch (java.util.concurrent.TimeoutException e) {
      client.close();
      throw new IllegalStateException("no answer to " + uri + " within 10 s", e);
    }
  }

  public int status() {
    return status;
  }

  /** Whether Syncgate has ended the feed. */
  public boolean ended() {
    return ended.get();
  }

  @Override
  public void close() {
    client.shutdown(0, TimeUnit.SECONDS).await();
  }
}
