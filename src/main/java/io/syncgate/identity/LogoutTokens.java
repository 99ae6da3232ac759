package io.syncgate.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jwt.JWTClaimsSet;
import io.syncgate.config.OidcConfig;
import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies logout tokens as OpenID Connect Back-Channel Logout 1.0 §2.6 says: signed by the
 * issuer's keys under the rules of its access tokens ({@link TokenVerifier}), then {@code iss},
 * an {@code aud} among the issuer's audiences or authorized parties (the client ids a provider
 * addresses logout tokens to), {@code iat}, {@code jti}, the back-channel logout event, no
 * {@code nonce} (§2.4: it tells an ID token apart), a {@code sub}, a {@code sid} or both. A
 * {@code jti} is accepted once while the token lives (§2.6 step 5), on this instance.
 */
public final class LogoutTokens {

  /** §2.4: the member of {@code events} that makes a JWT a logout token. */
  public static final String EVENT = "http://schemas.openid.net/event/backchannel-logout";
  /** §2.4 recommends {@code logout+jwt}; many providers sign logout tokens as plain JWTs. */
  static final Set<String> TYPES = Set.of(OidcConfig.UNTYPED, "jwt", "logout+jwt");
  /** How long a logout token without {@code exp} is accepted after its {@code iat}, and its {@code jti} remembered. */
  public static final Duration MAX_AGE_WITHOUT_EXPIRY = Duration.ofMinutes(5);
  static final int JTIS_KEPT = 100_000;

  private final TokenVerifier verifier;
  private final Clock clock;
  private final Cache<String, Instant> seen;

  public LogoutTokens(TokenVerifier verifier) {
    this.verifier = verifier;
    this.clock = verifier.clock();
    this.seen = Caffeine.newBuilder()
        .maximumSize(JTIS_KEPT)
        .ticker(() -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .expireAfter(Expiry.<String, Instant>creating((jti, until) -> {
          Duration left = Duration.between(clock.instant(), until);
          return left.isNegative() ? Duration.ZERO : left;
        }))
        .build();
  }

  /** The logout {@code token} announces, or a 401 {@link GatewayFailure} saying why it is refused. */
  public Future<LogoutToken> verify(String token) {
    return verifier.signed(token, config -> TYPES).map(signed -> {
      LogoutToken logout = check(signed.config(), signed.claims());
      if (seen.asMap().putIfAbsent(logout.issuer() + "\0" + logout.jti(), logout.expiresAt()) != null) {
        throw GatewayFailure.invalidToken("logout token was already used");
      }
      return logout;
    });
  }

  /** Lets {@code logout}'s {@code jti} be used again: the logout it announced could not be carried out. */
  public void forget(LogoutToken logout) {
    seen.invalidate(logout.issuer() + "\0" + logout.jti());
  }

  private LogoutToken check(OidcConfig config, JWTClaimsSet claims) {
    Instant now = clock.instant();
    if (!config.issuer().equals(claims.getIssuer())) {
      throw GatewayFailure.invalidToken("token issuer is not accepted");
    }
    List<String> audiences = claims.getAudience();
    if (audiences == null || audiences.stream()
        .noneMatch(aud -> config.audiences().contains(aud) || config.authorizedParties().contains(aud))) {
      throw GatewayFailure.invalidToken("token audience is not accepted");
    }
    Date iat = claims.getIssueTime();
    if (iat == null) {
      throw GatewayFailure.invalidToken("logout token has no iat");
    }
    if (now.plus(config.clockSkew()).isBefore(iat.toInstant())) {
      throw GatewayFailure.invalidToken("token is not valid yet");
    }
    Date exp = claims.getExpirationTime();
    Instant expires = exp != null ? exp.toInstant() : iat.toInstant().plus(MAX_AGE_WITHOUT_EXPIRY);
    if (!now.isBefore(expires)) {
      throw GatewayFailure.invalidToken("token expired");
    }
    if (!(claims.getClaim("jti") instanceof String jti) || jti.isEmpty()) {
      throw GatewayFailure.invalidToken("logout token has no jti");
    }
    if (!(claims.getClaim("events") instanceof Map<?, ?> events) || !(events.get(EVENT) instanceof Map<?, ?>)) {
      throw GatewayFailure.invalidToken("token is not a logout token: it has no back-channel logout event");
    }
    if (claims.getClaim("nonce") != null) {
      throw GatewayFailure.invalidToken("token is not a logout token: it has a nonce");
    }
    String subject = claims.getClaim("sub") instanceof String text && !text.isEmpty() ? text : null;
    String sid = claims.getClaim("sid") instanceof String text && !text.isEmpty() ? text : null;
    if (subject == null && sid == null) {
      throw GatewayFailure.invalidToken("logout token names neither sub nor sid");
    }
    String name = subject != null && OidcConfig.DEFAULT_USERNAME_CLAIM.equals(config.usernameClaim())
        ? PrincipalName.from(subject) : null;
    return new LogoutToken(config.issuer(), subject, sid, jti, iat.toInstant(), expires,
        name == null ? null : config.usernamePrefix() + name);
  }
}
