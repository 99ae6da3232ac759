package io.syncgate.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What every request of a cookie client costs before it is forwarded: finding Sync Gateway's
 * session cookie among the request's {@code Cookie} headers, and checking the ticket it holds.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class CookieSessionBenchmark {

  private static final String NAME = "SyncGatewaySession";
  private static final String PREVIOUS_SECRET = "k7Qm2vXp9RtL4wZs8NcB1fHj6DgYe3Ua";
  private static final String CURRENT_SECRET = "Vb5Tn8Lq2Xw7Rk4Pz9Hm3Jc6Fs1Gd0Ye";

  private Tickets current;
  private Tickets rotating;
  private String ticket;
  private String name;
  private List<String> browserCookies;
  private List<String> onlyTheSession;

  @Setup
  public void signIn() {
    current = new Tickets(List.of(CURRENT_SECRET));
    // During a secret rotation every ticket is checked against both secrets (in constant time).
    rotating = new Tickets(List.of(CURRENT_SECRET, PREVIOUS_SECRET));
    // An SG session id is 40 hex digits; the deadline is the token's expiry, an hour away.
    ticket = current.sign(new SessionRef("todo", "auth0|64f1c2a9b8e7d6c5b4a39281",
        "3f9c2b7a1e8d4c6f0a5b9e2d7c1f8a3b6e4d0c9a", Instant.now().plus(Duration.ofHours(1))));
    name = NAME;
    // A web app's origin also carries analytics and preference cookies; the session is among them.
    browserCookies = List.of("_ga=GA1.1.1873651204.1732870112; _ga_7XK2M9QZ4B=GS1.1.1732870112.3.1.1732871036.0.0.0;"
        + " cookie_consent=analytics%3Dtrue%2Cads%3Dfalse; " + NAME + "=" + ticket + "; theme=dark; lang=en-GB");
    // Couchbase Lite, and PouchDB in a native shell, send the session cookie alone.
    onlyTheSession = List.of(NAME + "=" + ticket);
    if (current.verify(ticket) == null || rotating.verify(ticket) == null
        || !ticket.equals(SessionCookies.find(browserCookies, name))) {
      throw new IllegalStateException("the benchmark's ticket does not verify");
    }
  }

  @Benchmark
  public String findAmongBrowserCookies() {
    return SessionCookies.find(browserCookies, name);
  }

  @Benchmark
  public String findAlone() {
    return SessionCookies.find(onlyTheSession, name);
  }

  @Benchmark
  public SessionRef verifyTicket() {
    return current.verify(ticket);
  }

  @Benchmark
  public SessionRef verifyTicketDuringSecretRotation() {
    return rotating.verify(ticket);
  }
}
