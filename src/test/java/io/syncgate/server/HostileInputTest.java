package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
import io.syncgate.testing.TestStack;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile catalogue, over a raw socket so that nothing on the client side tidies the bytes
 * up: each request is answered with JSON and never reaches Sync Gateway, and cookie sessions are
 * read by one parser whose finding is exactly what SG receives.
 */
class HostileInputTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static String ticket;

  @BeforeAll
  static void signIn() {
    ticket = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(stack.token("mallory")))
        .json().getString("session_id");
  }

  @BeforeEach
  void forget() {
    stack.sg.forgetRequests();
  }

  static Stream<Arguments> hostileRequests() {
    return Stream.of(
        Arguments.of("dot segments", "GET /sync/todo/../_config HTTP/1.1", 400, "the path contains a dot segment"),
        Arguments.of("encoded dot segments", "GET /sync/todo/%2e%2E/_config HTTP/1.1", 400,
            "the path contains a dot segment"),
        Arguments.of("dot segments once %2F is decoded", "GET /sync/todo/a%2F..%2F..%2F_config HTTP/1.1", 400,
            "the path contains a dot segment"),
        Arguments.of("dot segments once %5C is decoded", "GET /sync/todo/a%5C..%5C_config HTTP/1.1", 400,
            "the path contains a backslash"),
        Arguments.of("a backslash", "GET /sync/todo/a\\b HTTP/1.1", 400, "the path contains a backslash"),
        Arguments.of("NUL", "GET /sync/todo/a%00b HTTP/1.1", 400, "the path contains a control character"),
        Arguments.of("CR LF", "GET /sync/todo/a%0D%0AX-Injected:%201 HTTP/1.1", 400,
            "the path contains a control character"),
        Arguments.of("another control character", "GET /sync/todo/a%1Bb HTTP/1.1", 400,
            "the path contains a control character"),
        Arguments.of("invalid percent-encoding", "GET /sync/todo/a%zzb HTTP/1.1", 400,
            "the path is not valid percent-encoding"),
        Arguments.of("a truncated percent-encoding", "GET /sync/todo/a%2 HTTP/1.1", 400,
            "the path is not valid percent-encoding"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileRequests")
  void aHostileRequestIsAnsweredWithJsonAndNeverForwarded(String name, String requestLine, int status, String reason)
      throws Exception {
    String answer = RawHttp.exchange(stack.port(), requestLine + "\r\nHost: x\r\nCookie: SyncGatewaySession=" + ticket
        + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));

    assertThat(answer).startsWith("HTTP/1.1 " + status + " ").contains("content-type: application/json")
        .endsWith("\"reason\":\"" + reason + "\"}");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void contentLengthWithTransferEncodingIs400AndTheConnectionClosed() throws Exception {
    // The classic smuggling pair: were the length believed, "GET /sync/todo/_config" would start a request.
    String smuggled = "0\r\n\r\nGET /sync/todo/_config HTTP/1.1\r\nHost: x\r\n\r\n";
    String answer = RawHttp.exchange(stack.port(), "POST /sync/todo/_bulk_docs HTTP/1.1\r\nHost: x\r\n"
        + "Cookie: SyncGatewaySession=" + ticket + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + smuggled.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled,
        Duration.ofSeconds(5));

    assertThat(answer).startsWith("HTTP/1.").contains(" 400 ").contains("connection: close")
        .endsWith("\"reason\":\"the request has Content-Length together with Transfer-Encoding: one framing only"
            + " (RFC 9112, section 6.1)\"}")
        .doesNotContain(RawHttp.STILL_OPEN);
    assertThat(answer.split("HTTP/1\\.")).as("one answer only").hasSize(2);
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void duplicateSessionCookiesAreReadByOneParserAndTheFirstIsWhatSyncGatewayGets() throws Exception {
    String answer = get("Cookie: SyncGatewaySession=" + ticket + "; SyncGatewaySession=forged-backend-id");

    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(forwardedCookies()).singleElement().satisfies(cookie ->
        assertThat(cookie).matches("SyncGatewaySession=[0-9a-f]{40}").doesNotContain("forged"));
  }

  @Test
  void aForgedSessionCookieFirstIsRefusedNotForwardedAsAGuest() throws Exception {
    String answer = get("Cookie: SyncGatewaySession=forged-backend-id; SyncGatewaySession=" + ticket);

    assertThat(answer).startsWith("HTTP/1.1 401 ").endsWith("}");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aCommaIsNoCookieSeparatorHereOrAtSyncGateway() throws Exception {
    String answer = get("Cookie: theme=dark, SyncGatewaySession=" + ticket);

    assertThat(answer).startsWith("HTTP/1.1 401 ")
        .endsWith("\"reason\":\"sign in first: send a bearer token or the session cookie\"}");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void oddButValidSeparatorsFindTheSessionCookieAndOnlyItIsForwarded() throws Exception {
    String answer = get("Cookie: theme=dark;SyncGatewaySession=" + ticket + ";;  other=1\r\nCookie: more=2");

    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(forwardedCookies()).singleElement().satisfies(cookie ->
        assertThat(cookie).matches("SyncGatewaySession=[0-9a-f]{40}"));
  }

  @Test
  void cleartextHttp2IsNotSpoken() throws Exception {
    String priorKnowledge = RawHttp.exchange(stack.port(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Duration.ofSeconds(5));
    String upgrade = get("Cookie: SyncGatewaySession=" + ticket + "\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__");

    assertThat(priorKnowledge).startsWith("HTTP/1.1 505 ").endsWith(
        "{\"error\":\"http_version_not_supported\",\"reason\":\"Syncgate speaks HTTP/1.1 here; cleartext HTTP/2 is off\"}");
    assertThat(upgrade).as("answered as HTTP/1.1, no switch").startsWith("HTTP/1.1 200 ");
    assertThat(forwardedHeaders()).noneSatisfy(seen -> assertThat(seen.headers().contains("http2-settings")).isTrue());
  }

  private static String get(String headers) throws Exception {
    return RawHttp.exchange(stack.port(), "GET /sync/todo/ HTTP/1.1\r\nHost: x\r\n" + headers
        + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
  }

  private static List<String> forwardedCookies() {
    return stack.sg.publicRequests().stream().flatMap(seen -> seen.headers().getAll("cookie").stream()).toList();
  }

  private static List<Seen> forwardedHeaders() {
    return stack.sg.publicRequests();
  }
}
