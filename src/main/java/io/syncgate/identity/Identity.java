package io.syncgate.identity;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who a verified token says the caller is. {@code claimValue} is the raw value of the configured
 * username claim; {@code username} is that value turned into a valid backend user name (see
 * {@link PrincipalName}), after the issuer's prefix. {@code expiresAt} is the token's {@code exp};
 * {@code issuedAt} its {@code iat}, or when it was verified if it has none, which orders two tokens
 * of one user; {@code claims} are all of the verified token's claims, for provisioning.
 */
public record Identity(String issuer, String subject, String claimValue, String username, Instant expiresAt,
    Instant issuedAt, Map<String, Object> claims) {

  public Identity {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(claimValue, "claimValue");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(issuedAt, "issuedAt");
    claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
  }

  /**
   * The values of a claim named in full ({@code https://example.com/roles}) or at a path
   * ({@code realm_access.roles}): an array's items, or a string split
   * at spaces and commas (as OAuth's {@code scope}); empty when the path leads nowhere.
   */
  public List<String> claimValues(String path) {
    // A namespaced claim (https://example.com/roles) is read by its whole name, dots and all.
    Object value = claims.containsKey(path) ? claims.get(path) : claims;
    for (String step : claims.containsKey(path) ? new String[0] : path.split("\\.")) {
      if (!(value instanceof Map<?, ?> object)) {
        return List.of();
      }
      value = object.get(step);
    }
    if (value instanceof List<?> list) {
      return list.stream().filter(Objects::nonNull).map(Object::toString).filter(v -> !v.isBlank()).toList();
    }
    if (value instanceof String text) {
      return List.of(text.split("[\\s,]+")).stream().filter(v -> !v.isBlank()).toList();
    }
    return value == null || value instanceof Map ? List.of() : List.of(value.toString());
  }

  /** What a provider's back-channel logout names this token by: its subject and provider session ({@code sid}). */
  public LogoutSubject logoutSubject() {
    return LogoutSubject.of(issuer, subject, claims.get("sid") instanceof String sid ? sid : null, issuedAt);
  }
}
