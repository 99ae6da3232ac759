package io.syncgate.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** One rendering of a failure, which every layer that answers with one writes as it is. */
class GatewayFailureTest {

  @Test
  void everyFailureIsJsonThatNoCacheKeeps() {
    GatewayFailure failure = GatewayFailure.badRequest("the request cannot be read");

    assertThat(failure.headers()).containsExactly(
        java.util.Map.entry("content-type", "application/json"), java.util.Map.entry("cache-control", "no-store"));
    assertThat(new JsonObject(failure.body())).isEqualTo(new JsonObject()
        .put("error", "bad_request").put("reason", "the request cannot be read"));
  }

  @Test
  void aRefusalToComeBackLaterSaysWhen() {
    assertThat(GatewayFailure.unavailable("busy: try again", 3).headers()).containsEntry("retry-after", "3");
  }

  @Test
  void aBearerRefusalCarriesItsChallenge() {
    assertThat(GatewayFailure.invalidToken("token expired").headers())
        .containsEntry("www-authenticate", "Bearer realm=\"syncgate\", error=\"invalid_token\", "
            + "error_description=\"token expired\"");
    assertThat(GatewayFailure.credentialsRequired("sign in first").headers())
        .containsEntry("www-authenticate", "Bearer realm=\"syncgate\"");
  }
}
