package io.syncgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The identity provider whose tokens Syncgate accepts. The issuer is kept exactly as configured:
 * the {@code iss} claim and the discovery document must both match it character for character.
 * {@code usernamePrefix} starts the name of every user this provider's tokens name, as SG's own
 * OIDC does, so they never collide with SG users made by other means.
 */
public record OidcConfig(
    String issuer,
    Set<String> audiences,
    String usernameClaim,
    String usernamePrefix,
    Set<String> algorithms,
    Duration clockSkew,
    Duration jwksCacheTtl,
    Duration jwksRefetchCooldown,
    Duration httpTimeout,
    Set<String> acceptedTypes,
    Set<String> authorizedParties,
    Map<String, String> requiredClaims,
    Duration jwksMinTtl,
    Duration jwksMaxStaleness,
    String jwksUri) {

  public static final String DEFAULT_USERNAME_CLAIM = "sub";
  public static final List<String> DEFAULT_ALGORITHMS =
      List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
  /** What may be allowed: the defaults and EdDSA (Ed25519), which few providers use and is off unless listed. */
  public static final List<String> SUPPORTED_ALGORITHMS =
      List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(10);
  public static final Duration DEFAULT_JWKS_REFETCH_COOLDOWN = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(10);
  /** In {@code accepted_types}: a token whose header has no {@code typ}. */
  public static final String UNTYPED = "absent";
  /** RFC 7519's {@code JWT} and RFC 9068's access-token type; ID tokens and others are refused. */
  public static final List<String> DEFAULT_ACCEPTED_TYPES = List.of(UNTYPED, "JWT", "at+jwt");
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
  public static final Duration MIN_JWKS_REFETCH_COOLDOWN = Duration.ofSeconds(1);
  public static final Duration DEFAULT_JWKS_MIN_TTL = Duration.ofMinutes(1);
  public static final Duration DEFAULT_JWKS_MAX_STALENESS = Duration.ofHours(24);

  /** The configuration with the defaults of the token rules added since the first release. */
  public OidcConfig(String issuer, Set<String> audiences, String usernameClaim, String usernamePrefix,
      Set<String> algorithms, Duration clockSkew, Duration jwksCacheTtl, Duration jwksRefetchCooldown,
      Duration httpTimeout) {
    this(issuer, audiences, usernameClaim, usernamePrefix, algorithms, clockSkew, jwksCacheTtl, jwksRefetchCooldown,
        httpTimeout, Set.copyOf(DEFAULT_ACCEPTED_TYPES), Set.of(), Map.of(), DEFAULT_JWKS_MIN_TTL,
        DEFAULT_JWKS_MAX_STALENESS, null);
  }

  public OidcConfig {
    Objects.requireNonNull(issuer, "issuer");
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
    Objects.requireNonNull(usernameClaim, "usernameClaim");
    Objects.requireNonNull(usernamePrefix, "usernamePrefix");
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(jwksCacheTtl, "jwksCacheTtl");
    Objects.requireNonNull(jwksRefetchCooldown, "jwksRefetchCooldown");
    Objects.requireNonNull(httpTimeout, "httpTimeout");
    acceptedTypes = acceptedTypes.stream().map(OidcConfig::mediaType).collect(java.util.stream.Collectors.toUnmodifiableSet());
    authorizedParties = Set.copyOf(authorizedParties);
    requiredClaims = Map.copyOf(requiredClaims);
    Objects.requireNonNull(jwksMinTtl, "jwksMinTtl");
    Objects.requireNonNull(jwksMaxStaleness, "jwksMaxStaleness");
    if (audiences.isEmpty()) {
      throw new IllegalArgumentException("at least one audience is required");
    }
    if (algorithms.isEmpty()) {
      throw new IllegalArgumentException("at least one algorithm is required");
    }
  }

  /**
   * A {@code typ} as compared: case-insensitive, without the {@code application/} prefix that
   * RFC 7515 §4.1.9 lets senders omit ({@code JWT} and {@code application/jwt} are one type).
   */
  public static String mediaType(String typ) {
    String lower = typ.toLowerCase(java.util.Locale.ROOT);
    return lower.startsWith("application/") ? lower.substring("application/".length()) : lower;
  }

  /** OpenID Connect Discovery 1.0 §4: the well-known path is appended to the issuer without its trailing slash. */
  public String discoveryUrl() {
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    return base + "/.well-known/openid-configuration";
  }
}
