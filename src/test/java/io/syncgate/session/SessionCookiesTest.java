package io.syncgate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syncgate.config.CookiePolicy;
import io.syncgate.config.CookiePolicy.SameSite;
import io.syncgate.testing.MutableClock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionCookiesTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));

  @Test
  void aSessionCookieCarriesItsExactExpiryAndEveryProtection() {
    SessionCookies cookies = new SessionCookies(new CookiePolicy(true, SameSite.STRICT), "/sync", clock);

    String header = cookies.issue("SyncGatewaySession", "abc123", "/sync/todo", Instant.parse("2026-11-28T11:00:00Z"));

    assertThat(header).isEqualTo("SyncGatewaySession=abc123; Path=/sync/todo; Expires=Sat, 28 Nov 2026 11:00:00 GMT;"
        + " Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
  }

  @Test
  void syncGatewaysRenewalCookieMovesUnderTheBasePathAndLosesItsDomain() {
    SessionCookies cookies = new SessionCookies(new CookiePolicy(false, SameSite.LAX), "/sync", clock);

    String header = cookies.rewrite("SyncGatewaySession=abc123; Path=/todo; Domain=sg.internal;"
        + " Expires=Sat, 28 Nov 2026 12:00:00 GMT");

    assertThat(header).isEqualTo("SyncGatewaySession=abc123; Path=/sync/todo; Expires=Sat, 28 Nov 2026 12:00:00 GMT;"
        + " Max-Age=7200; HttpOnly; SameSite=Lax");
  }

  @Test
  void aLogoutCookieStaysExpired() {
    SessionCookies cookies = new SessionCookies(new CookiePolicy(true, SameSite.LAX), "", clock);

    String header = cookies.rewrite("SyncGatewaySession=; Path=/todo; Max-Age=0");

    assertThat(header).startsWith("SyncGatewaySession=; Path=/todo; Expires=Sat, 28 Nov 2026 10:00:00 GMT; Max-Age=0;");
  }

  @Test
  void aValueThatWouldInjectAttributesIsRefused() {
    SessionCookies cookies = new SessionCookies(new CookiePolicy(true, SameSite.LAX), "/sync", clock);

    assertThatThrownBy(() -> cookies.issue("SyncGatewaySession", "x; Domain=evil.example", "/sync/todo", clock.instant()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cookies.issue("SyncGatewaySession", "x\r\nSet-Cookie: y=1", "/sync/todo", clock.instant()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnreadableHeaderIsDropped() {
    assertThat(new SessionCookies(new CookiePolicy(true, SameSite.LAX), "/sync", clock).rewrite("=")).isNull();
  }

  @Test
  void theSessionCookieIsFoundBySemicolonsOnlyAndTheFirstOneWins() {
    List<String> headers = List.of("theme=dark,SyncGatewaySession=not-this", " other=1 ; SyncGatewaySession = first ;x=2",
        "SyncGatewaySession=second");

    assertThat(SessionCookies.find(headers, "SyncGatewaySession")).isEqualTo("first");
    assertThat(SessionCookies.find(List.of("SyncGatewaySession=a,b"), "SyncGatewaySession")).isEqualTo("a,b");
    assertThat(SessionCookies.find(List.of("XSyncGatewaySession=a; =b"), "SyncGatewaySession")).isNull();
    assertThat(SessionCookies.find(List.of(), "SyncGatewaySession")).isNull();
  }
}
