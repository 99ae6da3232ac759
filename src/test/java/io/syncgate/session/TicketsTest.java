package io.syncgate.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.identity.LogoutSubject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TicketsTest {

  private static final String OLD = "the-old-secret-that-signed-yesterday-0123";
  private static final String NEW = "the-new-secret-that-signs-from-today-4567";
  private static final SessionRef SESSION =
      new SessionRef("todo", "auth0%7Cann", "0123456789abcdef0123456789abcdef01234567", Instant.ofEpochSecond(1_900_000_000));

  @Test
  void aTicketNamesItsSessionAndCarriesOnlyCookieSafeCharacters() {
    String ticket = new Tickets(List.of(NEW)).sign(SESSION);

    assertThat(ticket).startsWith("v1.").matches("[A-Za-z0-9._-]+");
    assertThat(new Tickets(List.of(NEW)).verify(ticket)).isEqualTo(SESSION);
  }

  @Test
  void aTicketCarriesTheLogoutKeysOfItsTokenAsHashesOnly() {
    LogoutSubject origin = LogoutSubject.of("https://idp.example/", "auth0|ann", "provider-session-7",
        Instant.ofEpochSecond(1_899_999_000));
    SessionRef session = new SessionRef(SESSION.db(), SESSION.username(), SESSION.sessionId(), SESSION.deadline(), origin);

    String ticket = new Tickets(List.of(NEW)).sign(session);

    assertThat(new Tickets(List.of(NEW)).verify(ticket)).isEqualTo(session);
    String payload = new String(java.util.Base64.getUrlDecoder().decode(ticket.split("\\.")[1]),
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(payload).doesNotContain("auth0|ann").doesNotContain("provider-session-7");
    assertThat(ticket.length()).as("a cookie stays well under 4 KB").isLessThan(400);
  }

  @Test
  void aRotatedSecretStillAcceptsItsTicketsUntilRemoved() {
    String signedYesterday = new Tickets(List.of(OLD)).sign(SESSION);

    assertThat(new Tickets(List.of(NEW, OLD)).verify(signedYesterday)).isEqualTo(SESSION);
    assertThat(new Tickets(List.of(NEW)).verify(signedYesterday)).isNull();
  }

  @Test
  void anyChangeToATicketVoidsIt() {
    Tickets tickets = new Tickets(List.of(NEW));
    String ticket = tickets.sign(SESSION);
    String otherDeadline = tickets.sign(new SessionRef("todo", "auth0%7Cann", SESSION.sessionId(), Instant.ofEpochSecond(1_999_999_999)));
    // Someone else's payload with this ticket's signature:
    String spliced = otherDeadline.substring(0, otherDeadline.lastIndexOf('.')) + ticket.substring(ticket.lastIndexOf('.'));

    assertThat(tickets.verify(spliced)).isNull();
    assertThat(tickets.verify(ticket + "x")).isNull();
    assertThat(tickets.verify("v1..")).isNull();
    assertThat(tickets.verify("0123456789abcdef0123456789abcdef01234567")).isNull();
  }
}
