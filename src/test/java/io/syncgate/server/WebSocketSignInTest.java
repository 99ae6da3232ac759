package io.syncgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.testing.Http;
import io.syncgate.testing.RawHttp;
import io.syncgate.testing.SyncGatewayStandIn.Seen;
import io.syncgate.testing.TestStack;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A WebSocket handshake ({@code _blipsync}, as Couchbase Lite makes it) signed in by each form a
 * client can use: the Authorization header, the session cookie, Sync Gateway's own
 * {@code SyncGatewaySession_<id>} entry, and a browser's {@code syncgate.bearer.<jwt>} entry. The
 * stand-in's handshake must see the session as a cookie and the BLIP list, never a credential
 * entry or the token; SG's choice of BLIP version comes back to the client.
 */
class WebSocketSignInTest {

  @RegisterExtension
  static final TestStack stack = TestStack.forClass();

  private static String token;
  private static String ticket;

  @BeforeAll
  static void signIn() {
    token = stack.token("blip-user");
    ticket = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(token)).json().getString("session_id");
  }

  @BeforeEach
  void forget() {
    stack.sg.forgetRequests();
  }

  /** The handshake's head as the client reads it; the connection is closed after. */
  private static String handshake(String protocols, String credentialHeader) throws IOException {
    return handshakeTo("/sync/todo/_blipsync", protocols, credentialHeader);
  }

  private static String handshakeTo(String target, String protocols, String credentialHeader) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", stack.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + (protocols == null ? "" : "Sec-WebSocket-Protocol: " + protocols + "\r\n")
          + (credentialHeader == null ? "" : credentialHeader + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      String head = RawHttp.readHead(socket.getInputStream());
      if (head.startsWith("HTTP/1.1 101 ")) {
        return head;
      }
      java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      assertThat(length.find()).as("a refusal with a body: " + head).isTrue();
      return head + new String(socket.getInputStream().readNBytes(Integer.parseInt(length.group(1))),
          StandardCharsets.UTF_8);
    }
  }

  private static final Map<String, Function<String, String[]>> FORMS = Map.of(
      // {protocols, extra header}
      "authorization", blip -> new String[] {blip, "Authorization: Bearer " + token},
      "cookie", blip -> new String[] {blip, "Cookie: SyncGatewaySession=" + ticket},
      "session entry", blip -> new String[] {blip + ", SyncGatewaySession_" + ticket, null},
      "token entry", blip -> new String[] {"syncgate.bearer." + token + ", " + blip, null});

  @ParameterizedTest
  @ValueSource(strings = {"authorization", "cookie", "session entry", "token entry"})
  void eachCredentialFormOpensTheSocketOnTheSessionAndNeverSendsTheCredentialOn(String form) throws Exception {
    String[] request = FORMS.get(form).apply("BLIP_3+CBMobile_3");

    String head = handshake(request[0], request[1]);

    assertThat(head).startsWith("HTTP/1.1 101 ").containsIgnoringCase("sec-websocket-protocol: BLIP_3+CBMobile_3\r\n");
    List<Seen> seen = stack.sg.publicRequests();
    assertThat(seen).hasSize(1);
    Seen upgrade = seen.get(0);
    assertThat(upgrade.headers().get("cookie")).matches("SyncGatewaySession=[0-9a-f]{40}");
    assertThat(upgrade.headers().getAll("sec-websocket-protocol")).containsExactly("BLIP_3+CBMobile_3");
    assertThat(upgrade.headers().get("authorization")).isNull();
    upgrade.headers().forEach(header -> assertThat(header.getValue()).doesNotContain(token).doesNotContain(ticket));
  }

  @Test
  void theBackendsChoiceAmongTheClientsBlipVersionsComesBack() throws Exception {
    String head = handshake("BLIP_3+CBMobile_4, syncgate.bearer." + token + ", BLIP_3+CBMobile_3", null);

    assertThat(head).startsWith("HTTP/1.1 101 ").containsIgnoringCase("sec-websocket-protocol: BLIP_3+CBMobile_4\r\n");
    assertThat(stack.sg.publicRequests().get(0).headers().get("sec-websocket-protocol"))
        .isEqualTo("BLIP_3+CBMobile_4, BLIP_3+CBMobile_3");
  }

  @Test
  void aBadTokenOrForgedTicketInAnEntryIsRefusedAndNothingForwarded() throws Exception {
    String badToken = handshake("BLIP_3+CBMobile_3, syncgate.bearer." + token.substring(0, token.length() - 4) + "AAAA",
        null);
    String forged = handshake("BLIP_3+CBMobile_3, SyncGatewaySession_" + ticket.substring(0, ticket.length() - 4)
        + "AAAA", null);

    assertThat(badToken).startsWith("HTTP/1.1 401 ").contains("invalid_token");
    assertThat(forged).startsWith("HTTP/1.1 401 ").containsIgnoringCase("content-type: application/json")
        .doesNotContainIgnoringCase("set-cookie");
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  @Test
  void aTokenTwoSecondsPastItsExpiryOpensNoWebSocketThoughWithinTheClockSkew() throws Exception {
    String expiring = stack.idp.token(TestStack.ISSUER_ID, "expiring-blip", TestStack.AUDIENCE, 60);
    assertThat(handshake("BLIP_3+CBMobile_3", "Authorization: Bearer " + expiring)).startsWith("HTTP/1.1 101 ");
    stack.sg.forgetRequests();

    stack.clock.advance(java.time.Duration.ofSeconds(62));
    String byHeader = handshake("BLIP_3+CBMobile_3", "Authorization: Bearer " + expiring);
    String byEntry = handshake("syncgate.bearer." + expiring + ", BLIP_3+CBMobile_3", null);
    var signIn = stack.http.post(stack.port(), "/sync/todo/_session", Http.bearer(expiring));

    // One clock rule: what refuses the sign-in refuses the upgrade, in every form.
    assertThat(byHeader).startsWith("HTTP/1.1 401 ").contains("token expired");
    assertThat(byEntry).startsWith("HTTP/1.1 401 ").contains("token expired");
    assertThat(signIn.status()).isEqualTo(401);
    assertThat(signIn.json().getString("reason")).isEqualTo("token expired");
    assertThat(stack.sg.publicRequests()).as("nothing reached Sync Gateway").isEmpty();
  }

  @Test
  void theAuthorizationHeaderWinsAndACredentialEntryBesideItStillStaysHere() throws Exception {
    String head = handshake("BLIP_3+CBMobile_3, SyncGatewaySession_forged", "Authorization: Bearer " + token);

    assertThat(head).startsWith("HTTP/1.1 101 ");
    assertThat(stack.sg.publicRequests().get(0).headers().get("sec-websocket-protocol")).isEqualTo("BLIP_3+CBMobile_3");
  }

  @Test
  void aBrowsersFeedSocketWithTheTokenEntryGetsTheMarkerBackWhenTheBackendNamesNoProtocol() throws Exception {
    String head = handshakeTo("/sync/todo/_changes?feed=websocket", "syncgate, syncgate.bearer." + token, null);

    assertThat(head).startsWith("HTTP/1.1 101 ").containsIgnoringCase("sec-websocket-protocol: syncgate\r\n");
    Seen upgrade = stack.sg.publicRequests().get(0);
    assertThat(upgrade.headers().contains("sec-websocket-protocol")).isFalse();
    assertThat(upgrade.headers().get("cookie")).matches("SyncGatewaySession=[0-9a-f]{40}");
  }

  @Test
  void credentialEntriesOnAPlainRequestNeverReachTheBackendNorSignIn() throws Exception {
    // As when a proxy in front drops Upgrade and a handshake arrives as a plain GET.
    var plain = stack.http.get(stack.port(), "/sync/todo/_all_docs", java.util.Map.of("Cookie",
        "SyncGatewaySession=" + ticket, "Sec-WebSocket-Protocol", "syncgate.bearer." + token + ", SyncGatewaySession_"
            + ticket + ", BLIP_3+CBMobile_3"));
    var seed = RawHttp.exchange(stack.port(), "GET /sync/_signin/blip-user HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: syncgate.bearer." + token
        + "\r\n\r\n", java.time.Duration.ofSeconds(3));

    assertThat(plain.status()).isEqualTo(200);
    assertThat(stack.sg.publicRequests()).singleElement().satisfies(seen -> {
      assertThat(seen.headers().getAll("sec-websocket-protocol")).containsExactly("BLIP_3+CBMobile_3");
      seen.headers().forEach(header -> assertThat(header.getValue()).doesNotContain(token));
    });
    assertThat(seed).startsWith("HTTP/1.1 401 ");
  }

  @Test
  void aHandshakeNamingNoBlipVersionGetsTheBackendsRefusalAsJson() throws Exception {
    String head = handshake("syncgate.bearer." + token, null);

    // SG 4.0 answers a handshake naming no BLIP version it speaks 500, as text: its status, Syncgate's JSON.
    assertThat(head).startsWith("HTTP/1.1 500 ").containsIgnoringCase("content-type: application/json")
        .contains("Sync Gateway refused the WebSocket upgrade (500)");
    assertThat(stack.sg.publicRequests().get(0).headers().contains("sec-websocket-protocol")).isFalse();
  }

  @Test
  void anUpgradeTheBackendAnswersWithAnOrdinaryDocumentIsABadGateway() throws Exception {
    String head = handshakeTo("/sync/todo/", "BLIP_3+CBMobile_3", "Cookie: SyncGatewaySession=" + ticket);

    assertThat(head).startsWith("HTTP/1.1 502 ").containsIgnoringCase("content-type: application/json")
        .contains("instead of switching protocols");
  }
}
