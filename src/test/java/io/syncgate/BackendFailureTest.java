package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sync Gateway failing under Syncgate, with small pools so they fill: its Admin API down or hung,
 * every connection busy. Each is a JSON answer in bounded time, never a hang, and Syncgate
 * recovers without a restart.
 */
@Timeout(60)
class BackendFailureTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_SYNC_GATEWAY_ADMIN_MAX_CONNECTIONS", "1",
      "SYNCGATE_SYNC_GATEWAY_MAX_CONNECTIONS", "1",
      "SYNCGATE_SYNC_GATEWAY_POOL_WAIT_TIMEOUT", "300ms",
      "SYNCGATE_SYNC_GATEWAY_ADMIN_TIMEOUT", "1s"));

  private static Response signIn(String user) {
    return stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token(user)));
  }

  @Test
  void aHungAdminApiIs504ThenBusyIs503AndBothRecover() throws Exception {
    stack.sg.hangAdmin(true);
    try {
      CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> signIn("hung-first"));
      // The first now holds the Admin API's only connection, unanswered.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stack.sg.hungAdminRequests() == 1);
      Response second = signIn("hung-second");

      assertThat(second.status()).isEqualTo(503);
      assertThat(second.header("retry-after")).isEqualTo("1");
      assertThat(second.json()).isEqualTo(new JsonObject().put("error", "service_unavailable")
          .put("reason", "Sync Gateway's admin API is busy: try again"));
      Response timedOut = first.get();
      assertThat(timedOut.status()).isEqualTo(504);
      assertThat(timedOut.json().getString("reason")).isEqualTo("Sync Gateway's admin API did not answer in time");
    } finally {
      stack.sg.hangAdmin(false);
    }
    assertThat(signIn("hung-first").status()).isEqualTo(200);
  }

  @Test
  void anAdminApiThatIsDownIs502AndRecoversWhenItIsBack() {
    stack.sg.stopAdmin();
    Response down;
    try {
      down = signIn("admin-down");
    } finally {
      stack.sg.startAdmin();
    }

    assertThat(down.status()).isEqualTo(502);
    assertThat(down.json().getString("reason")).isEqualTo("Sync Gateway's admin API is unreachable");
    assertThat(signIn("admin-down").status()).isEqualTo(200);
  }

  @Test
  void whenEveryBackendConnectionIsBusyARequestWaitsBoundedThenGets503AndThenRecovers() throws Exception {
    String token = stack.token("pool-user");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status()).isEqualTo(200);
    // One backend connection per event loop: long-polls that SG holds open take them all.
    HttpClient polls = stack.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(16));
    try {
      java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
      for (int i = 0; i < 8; i++) {
        polls.request(new RequestOptions().setHost("127.0.0.1").setPort(stack.port())
                .setURI("/sync/todo/_changes?feed=longpoll&since=999999&timeout=60000")
                .putHeader("authorization", "Bearer " + token))
            .compose(HttpClientRequest::send)
            .onSuccess(response -> {
              if (response.statusCode() == 503) {
                refused.incrementAndGet();
              }
            });
      }
      // Each poll either reached SG and stays, or found no connection free and had its 503.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() > 0 && refused.get()
          + stack.sg.publicRequests().stream().filter(seen -> seen.uri().contains("_changes")).count() == 8);

      Response busy = stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token));

      assertThat(busy.status()).as(busy.toString()).isEqualTo(503);
      assertThat(busy.header("retry-after")).isEqualTo("1");
      assertThat(busy.header("cache-control")).as("as every failure, from whichever layer").isEqualTo("no-store");
      assertThat(busy.header("content-type")).isEqualTo("application/json");
      assertThat(busy.json()).isEqualTo(new JsonObject().put("error", "service_unavailable")
          .put("reason", "every connection to the backend is busy: try again"));
    } finally {
      polls.shutdown(0, TimeUnit.SECONDS).await();
    }
    // The long-polls are gone: their connections serve again.
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(
        () -> stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status() == 200);
  }

  @Test
  void aSignInFloodFromOneUserIsRefusedWhileAnotherUserSignsInPromptly() {
    List<Integer> flood = new ArrayList<>();
    Response refused = null;
    for (int i = 0; i < 40; i++) {
      Response response = signIn("flooder");
      flood.add(response.status());
      if (response.status() == 429) {
        refused = response;
      }
    }

    assertThat(flood).startsWith(200, 200, 200).contains(429);
    assertThat(flood.stream().filter(status -> status == 200).count()).isEqualTo(30);
    assertThat(refused.header("retry-after")).matches("[1-9][0-9]*");
    assertThat(refused.json().getString("error")).isEqualTo("too_many_requests");
    assertThat(signIn("patient-user").status()).isEqualTo(200);
  }
}
