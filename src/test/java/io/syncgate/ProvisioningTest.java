package io.syncgate;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sync Gateway users made from verified claims: roles and channels from claim paths, static
 * grants and templates, the email; written only when they change, never a password reset; a
 * database that registers nobody, a disabled user, and the issuer's user-name prefix.
 */
class ProvisioningTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_OIDC_USERNAME_PREFIX", "app_",
      "SYNCGATE_PROVISIONING_TODO_ROLES_CLAIM", "realm_access.roles",
      "SYNCGATE_PROVISIONING_TODO_CHANNELS_CLAIM", "scope",
      "SYNCGATE_PROVISIONING_TODO_ROLES", "member",
      "SYNCGATE_PROVISIONING_TODO_CHANNELS", "user-{name},public",
      "SYNCGATE_PROVISIONING_TODO_EMAIL_CLAIM", "email",
      "SYNCGATE_PROVISIONING_NOTES_AUTO_REGISTER", "false"));

  private static String token(String subject, List<String> roles) {
    return stack.idp.token(TestStack.ISSUER_ID, subject, TestStack.AUDIENCE, Map.of(
        "realm_access", Map.of("roles", roles),
        "scope", "read write",
        "email", subject + "@example.com"), 3600);
  }

  private static Response signIn(String db, String token) {
    return stack.http.post(stack.port(), "/sync/" + db + "/_session", Http.bearer(token));
  }

  private static List<String> userWrites(String name) {
    return stack.sg.adminWrites().stream().filter(seen -> seen.uri().equals("/todo/_user/" + name))
        .map(Seen::body).toList();
  }

  @Test
  void claimsBecomeGrantsAndAChangedRoleIsWrittenOnceOnly() {
    assertThat(signIn("todo", token("ann", List.of("editor"))).status()).isEqualTo(200);

    JsonObject user = stack.sg.user("todo", "app_ann");
    assertThat(user.getJsonArray("admin_roles")).containsExactlyInAnyOrder("editor", "member");
    assertThat(user.getJsonArray("admin_channels")).containsExactlyInAnyOrder("read", "write", "user-app_ann", "public");
    assertThat(user.getString("email")).isEqualTo("ann@example.com");
    assertThat(userWrites("app_ann")).hasSize(1).first().asString().contains("\"password\"");

    assertThat(signIn("todo", token("ann", List.of("editor"))).status()).isEqualTo(200);
    assertThat(userWrites("app_ann")).as("unchanged claims: no write").hasSize(1);

    assertThat(signIn("todo", token("ann", List.of("editor", "admin"))).status()).isEqualTo(200);
    assertThat(signIn("todo", token("ann", List.of("admin", "editor"))).status()).isEqualTo(200);
    List<String> writes = userWrites("app_ann");
    assertThat(writes).as("one write for one change").hasSize(2);
    assertThat(new JsonObject(writes.get(1)).containsKey("password")).as("a password is never reset").isFalse();
    assertThat(stack.sg.user("todo", "app_ann").getJsonArray("admin_roles"))
        .containsExactlyInAnyOrder("editor", "admin", "member");
  }

  @Test
  void aDatabaseThatRegistersNobodyRefusesUnknownUsersAndServesKnownOnes() {
    Response unknown = signIn("notes", token("stranger", List.of()));

    assertThat(unknown.status()).isEqualTo(403);
    assertThat(unknown.json().getString("reason"))
        .isEqualTo("no such user in this database, and it does not register users: ask its administrator");
    assertThat(stack.sg.hasUser("notes", "app_stranger")).isFalse();

    stack.sg.addUser("notes", "app_known", false);
    assertThat(signIn("notes", token("known", List.of())).status()).isEqualTo(200);
  }

  @Test
  void aDisabledUserGets403AndNoSession() {
    stack.sg.addUser("todo", "app_blocked", true);

    Response refused = signIn("todo", token("blocked", List.of()));

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.json().getString("reason")).isEqualTo("this user is disabled in Sync Gateway");
    assertThat(stack.sg.sessionCount("app_blocked")).isZero();
  }

  @Test
  void aBearerClientOfADisabledUserIsRefusedFromMemoryWhileItRetries() {
    stack.sg.addUser("todo", "app_retrying", true);
    String token = token("retrying", List.of());

    List<Integer> statuses = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      statuses.add(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(token)).status());
    }

    assertThat(statuses).containsOnly(403);
    // The refusal is remembered for a while: one look at SG, not one per retry.
    assertThat(stack.sg.adminRequests()).filteredOn(seen -> seen.uri().equals("/todo/_user/app_retrying")).hasSize(1);
  }

  @Test
  void theIssuersPrefixKeepsItsUsersApartFromUsersMadeOtherwise() {
    stack.sg.addUser("todo", "bob", false); // an SG user an operator made, not Syncgate

    assertThat(signIn("todo", token("bob", List.of())).status()).isEqualTo(200);

    assertThat(stack.sg.sessionCount("bob")).isZero();
    assertThat(stack.sg.sessionCount("app_bob")).isEqualTo(1);
  }

  private static String bearerToken(String subject, List<String> roles, Object channels) {
    return stack.idp.token(TestStack.ISSUER_ID, subject, TestStack.AUDIENCE, Map.of(
        "realm_access", Map.of("roles", roles), "scope", channels), 3600);
  }

  @Test
  void aBearerClientsGrantsFollowItsNewestTokenShrinkingAndGrowing() {
    String wide = bearerToken("grace", List.of("admin-role"), "secret-ch team-a");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(wide)).status()).isEqualTo(200);
    assertThat(stack.sg.user("todo", "app_grace").getJsonArray("admin_channels")).contains("secret-ch");

    stack.clock.advance(java.time.Duration.ofSeconds(5));
    String narrow = bearerToken("grace", List.of(), "team-a");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(narrow)).status()).isEqualTo(200);

    JsonObject shrunk = stack.sg.user("todo", "app_grace");
    assertThat(shrunk.getJsonArray("admin_channels")).as("the held session's user lost what the new token lacks")
        .containsExactlyInAnyOrder("team-a", "user-app_grace", "public");
    assertThat(shrunk.getJsonArray("admin_roles")).containsExactly("member");
    assertThat(stack.sg.sessionCount("app_grace")).as("the held session served on").isEqualTo(1);

    // The older, wider token is still unexpired: it may use the session, never widen the user again.
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(wide)).status()).isEqualTo(200);
    assertThat(stack.sg.user("todo", "app_grace").getJsonArray("admin_channels")).doesNotContain("secret-ch");

    stack.clock.advance(java.time.Duration.ofSeconds(5));
    String grown = bearerToken("grace", List.of("editor"), "team-a team-b");
    assertThat(stack.http.get(stack.port(), "/sync/todo/", Http.bearer(grown)).status()).isEqualTo(200);
    JsonObject regrown = stack.sg.user("todo", "app_grace");
    assertThat(regrown.getJsonArray("admin_channels")).containsExactlyInAnyOrder("team-a", "team-b", "user-app_grace",
        "public");
    assertThat(regrown.getJsonArray("admin_roles")).containsExactlyInAnyOrder("editor", "member");
    assertThat(userWrites("app_grace")).as("created once, then one write per change").hasSize(3);
  }

  @Test
  void claimsCannotGrantEveryChannelThePublicChannelOrNamesSyncGatewayRefuses() {
    assertThat(signIn("todo", bearerToken("mallory", List.of("ok-role", "bad/role", "--"), "team-a,* !")).status())
        .isEqualTo(200);

    JsonObject user = stack.sg.user("todo", "app_mallory");
    assertThat(user.getJsonArray("admin_channels")).containsExactlyInAnyOrder("team-a", "user-app_mallory", "public");
    assertThat(user.getJsonArray("admin_roles")).containsExactlyInAnyOrder("ok-role", "member");

    assertThat(signIn("todo", bearerToken("mallory2", List.of(), List.of("team-a", "*", "!"))).status()).isEqualTo(200);
    assertThat(stack.sg.user("todo", "app_mallory2").getJsonArray("admin_channels"))
        .containsExactlyInAnyOrder("team-a", "user-app_mallory2", "public");
  }
}
