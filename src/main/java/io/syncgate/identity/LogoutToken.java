package io.syncgate.identity;

import java.time.Instant;
import java.util.Objects;

/**
 * A verified logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): the provider ended
 * {@code subject}'s sessions, or the one provider session {@code sid}, at {@code issuedAt} (the
 * provider's clock, the one its access tokens' {@code iat} are read by). {@code username} is the
 * backend user the subject names when the issuer's username claim is {@code sub}, else null.
 * {@code jti} is remembered until {@code expiresAt}, so the token is accepted once.
 */
public record LogoutToken(String issuer, String subject, String sid, String jti, Instant issuedAt, Instant expiresAt,
    String username) {

  public LogoutToken {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(jti, "jti");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (subject == null && sid == null) {
      throw new IllegalArgumentException("a logout names a subject, a provider session or both");
    }
  }

  /** The keys this logout refuses tokens by, with its time. */
  public LogoutSubject keys() {
    return LogoutSubject.of(issuer, subject, sid, issuedAt);
  }

  @Override
  public String toString() {
    return "LogoutToken[issuer=" + issuer + ", by " + (subject != null ? "subject" : "") + (sid != null ? " sid" : "")
        + ", issuedAt=" + issuedAt + "]";
  }
}
