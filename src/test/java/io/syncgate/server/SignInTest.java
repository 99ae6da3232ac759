package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.SyncGatewayStandIn;
import io.syncgate.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SignInTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  @Test
  void bearerSignInCreatesTheUserAndAnswersLikeSyncGatewayWithACookie() {
    String token = stack.token("alice-signin");

    Response response = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    JsonObject body = response.json();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("session_id", "expires", "cookie_name");
    // Syncgate's signed ticket for SG's session, not SG's own session id.
    assertThat(body.getString("session_id")).startsWith("v1.").doesNotContainPattern("[;, \"]");
    assertThat(stack.sg.sessionCount("alice-signin")).isEqualTo(1);
    assertThat(body.getString("cookie_name")).isEqualTo(SyncGatewayStandIn.COOKIE_NAME);
    assertThat(stack.sg.hasUser("todo", "alice-signin")).isTrue();
    assertThat(response.header("cache-control")).isEqualTo("no-store");

    Instant expires = Instant.parse(body.getString("expires"));
    String setCookie = response.header("set-cookie");
    assertThat(setCookie)
        .startsWith("SyncGatewaySession=" + body.getString("session_id") + "; Path=/sync/todo; ")
        .contains("; Expires=" + DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC).format(expires))
        .contains("; HttpOnly")
        .contains("; SameSite=Lax")
        .doesNotContain("Secure")
        .doesNotContain("Domain");
  }

  @Test
  void sessionLivesNoLongerThanTheTokenNorTheCap() {
    Response shortToken = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token(TestStack.ISSUER_ID, "short-lived", TestStack.AUDIENCE, 600)));
    Response longToken = stack.http.post(stack.port(), "/sync/todo/_session",
        Http.bearer(stack.idp.token(TestStack.ISSUER_ID, "long-lived", TestStack.AUDIENCE, 7 * 24 * 3600)));

    assertThat(stack.sg.adminRequests())
        .filteredOn(seen -> seen.method().equals("POST"))
        .extracting(seen -> new JsonObject(seen.body()).getLong("ttl"))
        .containsExactly(600L, 3600L);
    assertThat(Instant.parse(shortToken.json().getString("expires")))
        .isEqualTo(stack.clock.instant().plus(Duration.ofSeconds(600)));
    assertThat(Instant.parse(longToken.json().getString("expires")))
        .isEqualTo(stack.clock.instant().plus(Duration.ofHours(1)));
  }

  @Test
  void aBackendWhoseClockRunsAheadCannotStretchTheTicketPastTheToken() throws Exception {
    stack.sg.clockAhead(Duration.ofHours(2));
    try {
      Response signedIn = stack.http.post(stack.port(), "/sync/todo/_session",
          Http.bearer(stack.idp.token(TestStack.ISSUER_ID, "skewed", TestStack.AUDIENCE, 600)));
      Instant tokenExpiry = stack.clock.instant().plus(Duration.ofSeconds(600));
      String cookie = signedIn.header("set-cookie");

      assertThat(Instant.parse(signedIn.json().getString("expires"))).isEqualTo(tokenExpiry);
      assertThat(cookie).contains("Expires=" + java.time.format.DateTimeFormatter
          .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
          .format(tokenExpiry.atZone(java.time.ZoneOffset.UTC)));
      stack.clock.advance(Duration.ofSeconds(601));
      Response after = stack.http.get(stack.port(), "/sync/todo/_all_docs",
          java.util.Map.of("Cookie", cookie.split(";", 2)[0]));
      assertThat(after.status()).isEqualTo(401);
      assertThat(after.json().getString("reason")).contains("expired");
    } finally {
      stack.sg.clockAhead(Duration.ZERO);
    }
  }

  @Test
  void anExistingUserIsNotWrittenAgain() {
    String token = stack.token("bob-twice");
    stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));
    stack.sg.forgetRequests();

    Response again = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));

    assertThat(again.status()).isEqualTo(200);
    assertThat(stack.sg.adminWrites()).extracting(seen -> seen.method() + " " + seen.uri())
        .containsExactly("POST /todo/_session");
  }

  @Test
  void theSeedRouteSignsInTheUserTheTokenNames() {
    String token = stack.token("carol-seed");

    Response response = stack.http.get(stack.port(), "/sync/_signin/carol-seed", Http.bearer(token));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    assertThat(response.json().getString("cookie_name")).isEqualTo(SyncGatewayStandIn.COOKIE_NAME);
    assertThat(response.header("set-cookie")).contains("; Path=/sync/todo;");
  }

  @Test
  void theSeedRouteRefusesToSignInAnotherUser() {
    String token = stack.token("mallory");

    Response response = stack.http.get(stack.port(), "/sync/_signin/carol", Http.bearer(token));

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json().getString("error")).isEqualTo("forbidden");
    assertThat(response.json().getString("reason")).isEqualTo("the token does not belong to user carol");
    assertThat(response.header("set-cookie")).isNull();
    assertThat(stack.sg.adminWrites()).isEmpty();
  }

  @Test
  void aSubjectThatIsNotAValidSyncGatewayNameIsEncodedNotRejected() {
    String token = stack.token("auth0|5f7c8ec7c33c6c004bbafe82");

    Response response = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    assertThat(stack.sg.hasUser("todo", "auth0%7C5f7c8ec7c33c6c004bbafe82")).isTrue();
    // The seed's clients pass the IdP's user id as it is; that names the same user.
    Response seed = stack.http.get(stack.port(), "/sync/_signin/auth0%7C5f7c8ec7c33c6c004bbafe82",
        Http.bearer(token));
    assertThat(seed.status()).isEqualTo(200);
  }

  @Test
  void aUserTheBackendDisabledGetsNoSession() {
    stack.sg.addUser("todo", "disabled-dave", true);

    Response response = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("disabled-dave")));

    assertThat(response.status()).isEqualTo(403);
    assertThat(response.json().getString("reason")).isEqualTo("this user is disabled in Sync Gateway");
    assertThat(stack.sg.sessionCount("disabled-dave")).isZero();
  }

  @Test
  void aUserDeletedBehindSyncgatesBackIsRecreated() {
    String token = stack.token("erin-deleted");
    stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));
    stack.sg.deleteUser("todo", "erin-deleted");

    Response response = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    assertThat(stack.sg.hasUser("todo", "erin-deleted")).isTrue();
  }

  @Test
  void cookieAttributesFollowTheConfiguration() throws Exception {
    try (TestStack strict = TestStack.start(Map.of("SYNCGATE_COOKIE_SECURE", "true",
        "SYNCGATE_COOKIE_SAME_SITE", "Strict"))) {
      Response response = strict.http.post(strict.port(), "/sync/todo/_session", Http.bearer(strict.token("frank")));

      assertThat(response.header("set-cookie")).contains("; HttpOnly; Secure; SameSite=Strict");
    }
  }
}
