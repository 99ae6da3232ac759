package io.syncgate.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two providers at once, a consumer login and a staff login, each routed by its tokens' iss:
 * the same sub from both becomes two Sync Gateway users, each provider's rules apply to its own
 * tokens only, and a third issuer's tokens are refused.
 */
class SeveralIssuersTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  @BeforeAll
  static void twoIssuers() throws Exception {
    String consumers = stack.idp.issuer(TestStack.ISSUER_ID);
    String staff = stack.idp.issuer("staff-issuer");
    stack.restartSyncgate(yaml -> yaml.replaceFirst("(?s)oidc:\n.*?\n(?=sync_gateway:)", """
        oidc:
          issuers:
            - issuer: %s
              audiences: [%s]
              username_prefix: app_
            - issuer: %s
              audiences: [staff-console]
              username_prefix: staff_
              required_claims: ["email_verified=true"]
        """.formatted(consumers, TestStack.AUDIENCE, staff)));
  }

  @Test
  void theSameSubFromTwoIssuersIsTwoSyncGatewayUsers() {
    Response consumer = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token(TestStack.ISSUER_ID, "42", TestStack.AUDIENCE, 300)));
    Response staff = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token("staff-issuer", "42", "staff-console", Map.of("email_verified", true), 300)));

    assertThat(consumer.status()).as(consumer.toString()).isEqualTo(200);
    assertThat(staff.status()).as(staff.toString()).isEqualTo(200);
    assertThat(stack.sg.hasUser(TestStack.DB, "app_42")).isTrue();
    assertThat(stack.sg.hasUser(TestStack.DB, "staff_42")).isTrue();
    assertThat(stack.sg.hasUser(TestStack.DB, "42")).isFalse();
  }

  @Test
  void eachIssuersRulesApplyToItsOwnTokensOnly() {
    Response unverifiedStaff = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token("staff-issuer", "ann", "staff-console", 300)));
    Response consumerAudienceAtStaff = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token("staff-issuer", "ann", TestStack.AUDIENCE, Map.of("email_verified", true), 300)));
    Response consumerWithoutEmail = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token(TestStack.ISSUER_ID, "ann", TestStack.AUDIENCE, 300)));

    assertThat(unverifiedStaff.status()).isEqualTo(401);
    assertThat(unverifiedStaff.json().getString("reason")).isEqualTo("token does not have email_verified = true");
    assertThat(consumerAudienceAtStaff.status()).isEqualTo(401);
    assertThat(consumerAudienceAtStaff.json().getString("reason")).isEqualTo("token audience is not accepted");
    assertThat(consumerWithoutEmail.status()).as("the staff rule is not the consumers'").isEqualTo(200);
  }

  @Test
  void aThirdIssuersTokenIsRefused() {
    Response response = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token("partners", "42", TestStack.AUDIENCE, 300)));

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.json().getString("reason")).isEqualTo("token issuer is not accepted");
  }
}
