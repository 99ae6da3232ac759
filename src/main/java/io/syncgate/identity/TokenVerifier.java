package io.syncgate.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import io.syncgate.config.OidcConfig;
import io.syncgate.failure.GatewayFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Verifies bearer tokens from the configured OpenID Connect issuer and says who they identify.
 *
 * <p>A token passes only if it is a JWS whose {@code alg} is on the allowlist (never {@code none},
 * never HMAC: the configuration refuses both), signed by one of the issuer's published keys of the
 * matching type, with {@code iss} equal to the issuer, an accepted {@code aud}, an {@code exp}
 * in the future and any {@code nbf} in the past (each within the clock skew), and a non-empty
 * username claim. Everything else fails with {@link GatewayFailure#invalidToken}.
 */
public final class TokenVerifier {

  private final OidcConfig config;
  private final IssuerKeys keys;
  private final Clock clock;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

  public TokenVerifier(WebClient web, OidcConfig config, Clock clock) {
    this.config = config;
    this.keys = new IssuerKeys(web, config, clock);
    this.clock = clock;
  }

  /** Loads the issuer's keys; readiness waits for this. */
  public Future<Void> loadKeys() {
    return keys.current().mapEmpty();
  }

  public boolean ready() {
    return keys.loaded();
  }

  public Future<Identity> verify(String token) {
    SignedJWT jwt;
    try {
      jwt = signed(JWTParser.parse(token));
    } catch (ParseException e) {
      return Future.failedFuture(GatewayFailure.invalidToken("malformed token"));
    } catch (GatewayFailure e) {
      return Future.failedFuture(e);
    }
    JWSHeader header = jwt.getHeader();
    if (!config.algorithms().contains(header.getAlgorithm().getName())) {
      // The header is the caller's to write: name nothing from it in the answer.
      return Future.failedFuture(GatewayFailure.invalidToken("signing algorithm is not accepted"));
    }
    // A request may join a key fetch another event loop started: come back to the caller's.
    Context caller = Vertx.currentContext();
    return onCaller(keys.current(), caller)
        .recover(e -> Future.failedFuture(GatewayFailure.unavailable(
            "the identity provider's signing keys cannot be loaded")))
        .compose(set -> {
          List<JWK> candidates = candidates(set, header);
          if (!candidates.isEmpty()) {
            return Future.succeededFuture(candidates);
          }
          return onCaller(keys.refetchForUnknownKey(), caller)
              .otherwiseEmpty()
              .map(refreshed -> refreshed == null ? List.<JWK>of() : candidates(refreshed, header));
        })
        .map(candidates -> {
          if (candidates.isEmpty()) {
            throw GatewayFailure.invalidToken("token is signed by a key the issuer does not publish");
          }
          if (!signatureValid(jwt, candidates)) {
            throw GatewayFailure.invalidToken("token signature is invalid");
          }
          return identity(claims(jwt));
        });
  }

  private static <T> Future<T> onCaller(Future<T> future, Context caller) {
    return caller == null ? future : Future.fromCompletionStage(future.toCompletionStage(), caller);
  }

  private static SignedJWT signed(JWT jwt) {
    if (jwt instanceof SignedJWT signed) {
      return signed;
    }
    throw GatewayFailure.invalidToken("token is not signed");
  }

  /** Published keys that can have signed this token: its algorithm's key type and curve, its kid. */
  private static List<JWK> candidates(JWKSet set, JWSHeader header) {
    JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
    if (matcher == null) {
      return List.of();
    }
    return new JWKSelector(matcher).select(set).stream().filter(key -> !key.isPrivate()).toList();
  }

  private boolean signatureValid(SignedJWT jwt, List<JWK> candidates) {
    for (JWK jwk : candidates) {
      try {
        JWSVerifier verifier = verifiers.createJWSVerifier(jwt.getHeader(), publicKey(jwk));
        if (jwt.verify(verifier)) {
          return true;
        }
      } catch (JOSEException e) {
        // A key this algorithm cannot use (e.g. an EC key on another curve): try the next one.
      }
    }
    return false;
  }

  private static Key publicKey(JWK jwk) throws JOSEException {
    return switch (jwk) {
      case RSAKey rsa -> rsa.toRSAPublicKey();
      case ECKey ec -> ec.toECPublicKey();
      default -> throw new JOSEException("unsupported key type " + jwk.getKeyType());
    };
  }

  private static JWTClaimsSet claims(SignedJWT jwt) {
    try {
      return jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw GatewayFailure.invalidToken("token claims are not a JSON object");
    }
  }

  private Identity identity(JWTClaimsSet claims) {
    Instant now = clock.instant();
    if (!config.issuer().equals(claims.getIssuer())) {
      throw GatewayFailure.invalidToken("token issuer is not accepted");
    }
    List<String> audiences = claims.getAudience();
    if (audiences == null || audiences.stream().noneMatch(config.audiences()::contains)) {
      throw GatewayFailure.invalidToken("token audience is not accepted");
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw GatewayFailure.invalidToken("token has no expiry");
    }
    if (!now.isBefore(exp.toInstant().plus(config.clockSkew()))) {
      throw GatewayFailure.invalidToken("token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(config.clockSkew()).isBefore(nbf.toInstant())) {
      throw GatewayFailure.invalidToken("token is not valid yet");
    }
    Object value = claims.getClaim(config.usernameClaim());
    // Integral numbers only: a floating-point id may have lost digits, and two ids would share a name.
    String claimValue = value instanceof String s ? s
        : value instanceof Long || value instanceof Integer ? value.toString() : null;
    String name = PrincipalName.from(claimValue);
    if (name == null) {
      throw GatewayFailure.invalidToken("token has no " + config.usernameClaim() + " claim to name the user");
    }
    return new Identity(claims.getIssuer(), claims.getSubject(), claimValue, config.usernamePrefix() + name,
        exp.toInstant(), claims.toJSONObject());
  }
}
