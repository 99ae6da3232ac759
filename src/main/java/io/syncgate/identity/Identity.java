package io.syncgate.identity;

import java.time.Instant;
import java.util.Objects;

/**
 * Who a verified token says the caller is. {@code claimValue} is the raw value of the configured
 * username claim; {@code username} is that value turned into a valid backend user name (see
 * {@link PrincipalName}). {@code expiresAt} is the token's {@code exp}.
 */
public record Identity(String issuer, String subject, String claimValue, String username, Instant expiresAt) {

  public Identity {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(claimValue, "claimValue");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
