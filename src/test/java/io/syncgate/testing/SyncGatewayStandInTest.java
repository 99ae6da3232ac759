package io.syncgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stand-in is only as good as its checks: a request SG's spec forbids must be caught. */
class SyncGatewayStandInTest {

  private static Vertx vertx;
  private static SyncGatewayStandIn sg;
  private static Http http;
  private static final Map<String, String> ADMIN = Map.of("authorization", "Basic " + Base64.getEncoder()
      .encodeToString((SyncGatewayStandIn.ADMIN_USER + ":" + SyncGatewayStandIn.ADMIN_PASSWORD)
          .getBytes(StandardCharsets.UTF_8)), "content-type", "application/json");

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // The document store is never reached by these admin-only requests.
    sg = SyncGatewayStandIn.start(vertx, MutableClock.startingNow(), Set.of("todo"), URI.create("http://127.0.0.1:9"));
    http = new Http(vertx);
  }

  @AfterAll
  static void stop() {
    http.close();
    sg.close();
    vertx.close().await();
  }

  private Http.Response admin(HttpMethod method, String uri, String body) {
    return http.send(method, sg.adminUrl().getPort(), uri, ADMIN, body == null ? null : Buffer.buffer(body));
  }

  @Test
  void aBodyOfTheWrongShapeIsCaughtAndRefused() {
    Http.Response response = admin(HttpMethod.PUT, "/todo/_user/ann", "{\"password\":\"x\",\"admin_channels\":\"all\"}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(sg.specViolations()).filteredOn(v -> v.startsWith("PUT /todo/_user/ann: "))
        .singleElement().asString().contains("/admin_channels").contains("allowed: [\"array\"]");
    assertThat(sg.hasUser("todo", "ann")).isFalse();
  }

  @Test
  void anEndpointTheAdminApiDoesNotHaveIsCaught() {
    Http.Response response = admin(HttpMethod.POST, "/todo/_user/ann/_password", "{}");

    assertThat(response.status()).isEqualTo(400);
    assertThat(sg.specViolations()).anySatisfy(v -> assertThat(v).startsWith("POST /todo/_user/ann/_password: "));
  }

  @Test
  void aConformingSignInSequencePasses() {
    int before = sg.specViolations().size();

    assertThat(admin(HttpMethod.PUT, "/todo/_user/bea", "{\"name\":\"bea\",\"password\":\"secret\"}").status()).isEqualTo(201);
    Http.Response session = admin(HttpMethod.POST, "/todo/_session", "{\"name\":\"bea\",\"ttl\":60}");

    assertThat(session.status()).isEqualTo(200);
    assertThat(session.json().getString("session_id")).matches("[0-9a-f]{40}");
    assertThat(sg.specViolations()).hasSize(before);
  }

  @Test
  void withoutTheAdminCredentialsNothingHappens() {
    Http.Response response = http.send(HttpMethod.PUT, sg.adminUrl().getPort(), "/todo/_user/eve",
        Map.of("content-type", "application/json"), Buffer.buffer("{\"password\":\"x\"}"));

    assertThat(response.status()).isEqualTo(401);
    assertThat(sg.hasUser("todo", "eve")).isFalse();
  }
}
