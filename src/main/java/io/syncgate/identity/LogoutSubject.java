package io.syncgate.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;

/**
 * What a provider's logout can name a token by (OpenID Connect Back-Channel Logout 1.0 §2.4): its
 * issuer's user ({@code iss}+{@code sub}) and provider session ({@code iss}+{@code sid}), each kept
 * as a short hash so that neither appears in a cookie or in Sync Gateway, and when the token was
 * issued. Either key may be null; {@code issuedAt} orders a token against a logout.
 */
public record LogoutSubject(String subjectKey, String sessionKey, Instant issuedAt) {

  public LogoutSubject {
    Objects.requireNonNull(issuedAt, "issuedAt");
  }

  /** The keys of {@code subject} and {@code sid} at {@code issuer}; either may be null. */
  public static LogoutSubject of(String issuer, String subject, String sid, Instant issuedAt) {
    return new LogoutSubject(key("sub", issuer, subject), key("sid", issuer, sid), issuedAt);
  }

  /** Whether a logout of {@code key} at {@code logoutAt} ends this token: it has that key and was issued no later. */
  public boolean endedBy(String key, Instant logoutAt) {
    return key != null && (key.equals(subjectKey) || key.equals(sessionKey)) && !issuedAt.isAfter(logoutAt);
  }

  private static String key(String kind, String issuer, String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((kind + "\0" + issuer + "\0" + value).getBytes(StandardCharsets.UTF_8));
      // 128 bits: collisions would need 2^64 logouts, and keys stay short enough for a cookie.
      return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
