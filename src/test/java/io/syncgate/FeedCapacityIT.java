package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.syncgate.testing.SyncgateProcess;
import io.syncgate.testing.TestStack;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The released jar with its default pool sizes holds 5,000 long-poll feeds at once, each on its
 * own connection to the Sync Gateway stand-in, serves other requests beside them, and answers
 * every one when a document changes. Operators measured the old per-event-loop pool answering
 * 2,000 of 5,000 and leaving the rest waiting for ever. (bench/feeds.sh takes it to 9,800 and
 * reports memory per feed.)
 */
class FeedCapacityIT {

  private static final int FEEDS = Integer.getInteger("feeds", 5000);

  private static TestStack backends;
  private static SyncgateProcess syncgate;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    backends = TestStack.backendsOnly();
    syncgate = SyncgateProcess.inFrontOf(backends,
        Map.of("SYNCGATE_ACCESS_LOG_LEVEL", "OFF"), List.of());
    port = syncgate.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (syncgate != null) {
      syncgate.close();
    }
    backends.close();
  }

  @Test
  void fiveThousandLongPollsAreAllHeldAndAllAnswered() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(FEEDS + 10));
    // One context for every request: Vert.x 5.0.7's client can leave a response unanswered when
    // every call from a plain thread gets a fresh context (see testing/Http).
    Context context = vertx.getOrCreateContext();
    String token = backends.token("capacity");
    try {
      String since = send(context, client, "/sync/todo/_changes", token).compose(HttpClientResponse::body)
          .await(30, TimeUnit.SECONDS).toJsonObject().getValue("last_seq").toString();
      backends.sg.forgetRequests();

      List<Future<String>> feeds = new ArrayList<>();
      for (int i = 0; i < FEEDS; i++) {
        feeds.add(feed(vertx, context, client, "/sync/todo/_changes?feed=longpoll&timeout=300000&since=" + since,
            token, 20));
      }
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
          .until(() -> backends.sg.publicRequests().size() >= FEEDS);
      // SG saw every feed at least once (a retried one twice); those it holds are all still open.
      assertThat(feeds).as("held, none answered yet").noneMatch(Future::isComplete);

      String beside = send(context, client, "/sync/todo/", token).map(HttpClientResponse::statusCode)
          .map(Object::toString).await(30, TimeUnit.SECONDS);
      assertThat(beside).as("a request beside the feeds").isEqualTo("200");

      HttpResponse<String> put = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(backends.store.url() + "/" + TestStack.DB + "/wake-up"))
          .PUT(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(201);

      List<String> answers = Future.all(feeds).map(all -> all.<String>list()).await(2, TimeUnit.MINUTES);
      assertThat(answers).hasSize(FEEDS)
          .allSatisfy(answer -> assertThat(new JsonObject(answer).getJsonArray("results").encode()).contains("wake-up"));
    } finally {
      vertx.close().await();
    }
  }

  /**
   * A long-poll as a client holds one: a 503 (every connection to SG busy for the pool wait, which
   * a machine busy with other work can cause in a burst of 5,000) is tried again after its
   * Retry-After, as PouchDB does, a few times; anything else fails.
   */
  private static Future<String> feed(Vertx vertx, Context context, HttpClient client, String uri, String token,
      int tries) {
    return send(context, client, uri, token).compose(response -> {
      if (response.statusCode() == 200) {
        return response.body().map(Object::toString);
      }
      if (response.statusCode() == 503 && tries > 1) {
        Promise<String> again = Promise.promise();
        response.body().onComplete(drained -> vertx.setTimer(1000,
            t -> feed(vertx, context, client, uri, token, tries - 1).onComplete(again)));
        return again.future();
      }
      return Future.failedFuture("status " + response.statusCode());
    });
  }

  private static Future<HttpClientResponse> send(Context context, HttpClient client, String uri, String token) {
    Promise<HttpClientResponse> answered = Promise.promise();
    context.runOnContext(v -> client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
            .putHeader("authorization", "Bearer " + token))
        .compose(HttpClientRequest::send)
        .onComplete(answered));
    return answered.future();
  }
}
