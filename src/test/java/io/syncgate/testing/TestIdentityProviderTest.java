package io.syncgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestIdentityProviderTest {

  @Test
  void theLoginPageOfTheDemosProviderLoadsNothingFromTheInternet() throws Exception {
    try (TestIdentityProvider idp = TestIdentityProvider.start("RS256", Clock.systemUTC(), Map.of("demo", "app"))) {
      HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(idp.issuer("demo")
              + "/authorize?client_id=todo-web&response_type=code&scope=openid&state=s"
              + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2F")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("Mock OAuth2 Server Sign-in").contains("<style")
          .doesNotContain("fonts.googleapis.com").doesNotContain("href=\"//").doesNotContain("src=\"http")
          .doesNotContain("<link");
    }
  }
}
