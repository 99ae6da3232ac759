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
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import io.syncgate.config.OidcConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.limits.RateLimit;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.atomic.LongAdder;

/**
 * Verifies bearer tokens from the configured OpenID Connect issuers and says who they identify.
 * A token goes to the issuer its {@code iss} names (read before anything is trusted, only to
 * choose whose rules and keys apply); a token naming no configured issuer is refused.
 *
 * <p>A token passes only if it is a JWS whose {@code alg} is on the allowlist (never {@code none},
 * never HMAC: the configuration refuses both), signed by one of the issuer's published keys of the
 * matching type, with {@code iss} equal to the issuer, an accepted {@code aud}, an {@code exp}
 * in the future, any {@code nbf} and {@code iat} in the past (within the clock skew), and a
 * non-empty username claim. Everything else fails with {@link GatewayFailure#invalidToken}.
 *
 * <p>One clock rule holds everywhere a token is used — sign-in, every request, every WebSocket
 * upgrade — because they all come here: a token is expired from its {@code exp} on. The clock
 * skew forgives an issuer whose clock runs ahead of ours (a token "not valid yet"), never a token
 * past its expiry, so no session, stream or upgrade can outlast {@code exp}.
 *
 * <p>A token that passed is remembered (by its SHA-256, never itself) until its {@code exp}, so a
 * replication that sends it on every request pays for one signature check, not one per request.
 */
public final class TokenVerifier {

  /** Verified tokens remembered: a replication sends the same token on every request. */
  static final int VERIFIED_CACHE_ENTRIES = 10_000;

  /** One configured issuer: its rules and its keys. */
  record Issuer(OidcConfig config, IssuerKeys keys) {}

  /** A token that passed, whose key verified it, and until when it may be taken as verified. */
  private record Verified(Identity identity, Issuer issuer, JWK key, Instant until) {}

  private final Map<String, Issuer> issuers = new LinkedHashMap<>();
  private final Clock clock;
  private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();
  private final Cache<String, Verified> verified;
  private final LongAdder signatureChecks = new LongAdder();
  /** Failed verifications by client address: a forged token costs a signature check, 0.5 ms for ES256. */
  private final RateLimit failures;

  static final int DEFAULT_FAILURES_PER_CLIENT_PER_MINUTE = 60;
  /** Client addresses whose failures are counted at once; a flood from more addresses than this is the network's to stop. */
  static final int FAILING_CLIENTS_KEPT = 100_000;

  public TokenVerifier(WebClient web, OidcConfig config, Clock clock, MeterRegistry metrics) {
    this(web, List.of(config), clock, metrics, DEFAULT_FAILURES_PER_CLIENT_PER_MINUTE);
  }

  /**
   * @param failuresPerClientPerMinute signature checks one client address may fail in a minute
   *     (and at once); past them its unremembered tokens are refused unchecked until it has some again
   */
  public TokenVerifier(WebClient web, List<OidcConfig> configs, Clock clock, MeterRegistry metrics,
      int failuresPerClientPerMinute) {
    this.failures = new RateLimit(clock, failuresPerClientPerMinute, Duration.ofMinutes(1), FAILING_CLIENTS_KEPT);
    for (OidcConfig config : configs) {
      issuers.put(config.issuer(), new Issuer(config, new IssuerKeys(web, config, clock, metrics)));
    }
    this.clock = clock;
    this.verified = Caffeine.newBuilder()
        .maximumSize(VERIFIED_CACHE_ENTRIES)
        .ticker(() -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .expireAfter(Expiry.<String, Verified>creating(
            (hash, entry) -> Duration.between(clock.instant(), entry.until()).isNegative()
                ? Duration.ZERO : Duration.between(clock.instant(), entry.until())))
        .build();
  }

  /** How many signatures were checked (a remembered token needs none). */
  long signatureChecks() {
    return signatureChecks.sum();
  }

  /** Loads every issuer's keys; readiness waits for this. */
  public Future<Void> loadKeys() {
    return Future.all(issuers.values().stream().map(issuer -> issuer.keys().current()).toList()).mapEmpty();
  }

  /** Ready when every issuer's keys are loaded and fresh enough to serve. */
  public boolean ready() {
    return issuers.values().stream().allMatch(issuer -> issuer.keys().loaded());
  }

  /** Why the instance cannot verify every issuer's tokens now (for readiness), or null when it can. */
  public String notReadyReason() {
    List<String> problems = new ArrayList<>();
    for (Issuer issuer : issuers.values()) {
      String problem = issuer.keys().problem();
      if (problem != null) {
        problems.add(issuers.size() == 1 ? problem : issuer.config().issuer() + ": " + problem);
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /** Verifies {@code token} for a caller whose address is not known (nothing limits its failures). */
  public Future<Identity> verify(String token) {
    return verify(token, null);
  }

  /**
   * Verifies {@code token} sent from {@code client} (its address, or null when unknown). A token
   * remembered as verified costs nothing; any other costs a signature check, so a client whose
   * tokens keep failing is refused with 429, unchecked, until its limit refills: a flood of forged
   * tokens from one address takes no more than its share of the event loops.
   */
  public Future<Identity> verify(String token, String client) {
    String hash = hash(token);
    Identity remembered = remembered(hash);
    if (remembered != null) {
      return Future.succeededFuture(remembered);
    }
    if (client != null && failures.spent(client)) {
      return Future.failedFuture(GatewayFailure.tooManyRequests(
          "too many invalid tokens from this address: try again later", failures.secondsUntilFree(client)));
    }
    return verifyAnew(token)
        .onSuccess(pair -> verified.put(hash, pair))
        .onFailure(e -> {
          if (client != null && e instanceof GatewayFailure failure && failure.status() == 401) {
            failures.tryTake(client);
          }
        })
        .map(Verified::identity);
  }

  /**
   * A token verified before, while it has not expired and the key that verified it is still
   * published: rotation and key withdrawal hold as they would for a fresh verification.
   */
  private Identity remembered(String hash) {
    Verified entry = verified.getIfPresent(hash);
    if (entry == null || !clock.instant().isBefore(entry.until())) {
      return null;
    }
    Future<JWKSet> current = entry.issuer().keys().current();
    if (!current.succeeded() || !current.result().getKeys().contains(entry.key())) {
      verified.invalidate(hash);
      return null;
    }
    return entry.identity();
  }

  /** Keyed by a hash: the cache never holds a token itself. */
  private static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Future<Verified> verifyAnew(String token) {
    return signed(token, OidcConfig::acceptedTypes).map(signed -> {
      Identity identity = identity(signed.issuer().config(), signed.claims());
      return new Verified(identity, signed.issuer(), signed.key(), identity.expiresAt());
    });
  }

  /** A token whose signature one of its issuer's published keys verified; its claims are yet to be checked. */
  record Signed(Issuer issuer, JWK key, JWTClaimsSet claims) {
    OidcConfig config() {
      return issuer.config();
    }
  }

  /**
   * Checks what every token of an issuer shares, whatever it is for: a JWS from a configured
   * issuer, with an allowed algorithm and a {@code typ} among {@code types}, signed by a key the
   * issuer publishes (refetched once for an unknown key).
   */
  Future<Signed> signed(String token, Function<OidcConfig, Set<String>> types) {
    SignedJWT jwt;
    try {
      jwt = signed(JWTParser.parse(token));
    } catch (ParseException e) {
      return Future.failedFuture(GatewayFailure.invalidToken("malformed token"));
    } catch (GatewayFailure e) {
      return Future.failedFuture(e);
    }
    Issuer issuer;
    try {
      // Unverified, and used for nothing but choosing whose rules and keys apply.
      issuer = issuers.get(claims(jwt).getIssuer());
    } catch (GatewayFailure e) {
      return Future.failedFuture(e);
    }
    if (issuer == null) {
      return Future.failedFuture(GatewayFailure.invalidToken("token issuer is not accepted"));
    }
    OidcConfig config = issuer.config();
    IssuerKeys keys = issuer.keys();
    JWSHeader header = jwt.getHeader();
    if (!config.algorithms().contains(header.getAlgorithm().getName())) {
      // The header is the caller's to write: name nothing from it in the answer.
      return Future.failedFuture(GatewayFailure.invalidToken("signing algorithm is not accepted"));
    }
    String type = header.getType() == null ? OidcConfig.UNTYPED : OidcConfig.mediaType(header.getType().getType());
    if (!types.apply(config).contains(type)) {
      // An ID token, a logout token or anything else signed by the same keys is not an access token.
      return Future.failedFuture(GatewayFailure.invalidToken("token type is not accepted"));
    }
    // A request may join a key fetch another event loop started: come back to the caller's.
    Context caller = Vertx.currentContext();
    return onCaller(keys.current(), caller)
        .recover(e -> Future.failedFuture(GatewayFailure.unavailable(keys.stale() ? keys.problem()
            : "the identity provider's signing keys cannot be loaded")))
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
          JWK key = verifyingKey(jwt, candidates);
          if (key == null) {
            throw GatewayFailure.invalidToken("token signature is invalid");
          }
          return new Signed(issuer, key, claims(jwt));
        });
  }

  /** The clock tokens are judged by. */
  Clock clock() {
    return clock;
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

  /** The published key whose signature the token carries, or null. */
  private JWK verifyingKey(SignedJWT jwt, List<JWK> candidates) {
    signatureChecks.increment();
    for (JWK jwk : candidates) {
      try {
        JWSVerifier verifier = jwk instanceof OctetKeyPair okp ? new Ed25519Verifier(okp)
            : verifiers.createJWSVerifier(jwt.getHeader(), publicKey(jwk));
        if (jwt.verify(verifier)) {
          return jwk;
        }
      } catch (JOSEException e) {
        // A key this algorithm cannot use (e.g. an EC key on another curve): try the next one.
      }
    }
    return null;
  }

  private static Key publicKey(JWK jwk) throws JOSEException {
    return switch (jwk) {
      case RSAKey rsa -> rsa.toRSAPublicKey();
      case ECKey ec -> ec.toECPublicKey();
      default -> throw new JOSEException("unsupported key type " + jwk.getKeyType());
    };
  }

  private static String stringClaim(JWTClaimsSet claims, String name) {
    return claims.getClaim(name) instanceof String text ? text : null;
  }

  /**
   * A claim by name, or by a dotted path into nested objects ({@code realm_access.roles}) when no
   * claim has the whole name: a namespaced claim such as {@code https://example.com/id} keeps its dots.
   */
  static Object claimAt(JWTClaimsSet claims, String path) {
    Object whole = claims.getClaim(path);
    if (whole != null || !path.contains(".")) {
      return whole;
    }
    Object value = claims.toJSONObject();
    for (String step : path.split("\\.")) {
      if (!(value instanceof Map<?, ?> object)) {
        return null;
      }
      value = object.get(step);
    }
    return value;
  }

  private static JWTClaimsSet claims(SignedJWT jwt) {
    try {
      return jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw GatewayFailure.invalidToken("token claims are not a JSON object");
    }
  }

  private Identity identity(OidcConfig config, JWTClaimsSet claims) {
    Instant now = clock.instant();
    if (!config.issuer().equals(claims.getIssuer())) {
      throw GatewayFailure.invalidToken("token issuer is not accepted");
    }
    List<String> audiences = claims.getAudience();
    if (audiences == null || audiences.stream().noneMatch(config.audiences()::contains)) {
      throw GatewayFailure.invalidToken("token audience is not accepted");
    }
    if (claims.getClaim("events") instanceof Map<?, ?> events && events.containsKey(LogoutTokens.EVENT)) {
      // Back-Channel Logout 1.0 §2.4: a logout token may be typed as a plain JWT; it ends access, never grants it.
      throw GatewayFailure.invalidToken("token is a logout token, not an access token");
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw GatewayFailure.invalidToken("token has no expiry");
    }
    if (!now.isBefore(exp.toInstant())) {
      throw GatewayFailure.invalidToken("token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(config.clockSkew()).isBefore(nbf.toInstant())) {
      throw GatewayFailure.invalidToken("token is not valid yet");
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now.plus(config.clockSkew()).isBefore(iat.toInstant())) {
      throw GatewayFailure.invalidToken("token is not valid yet");
    }
    String azp = stringClaim(claims, "azp");
    if (!config.authorizedParties().isEmpty() && (azp == null || !config.authorizedParties().contains(azp))) {
      throw GatewayFailure.invalidToken("token authorized party is not accepted");
    }
    for (var required : config.requiredClaims().entrySet()) {
      Object actual = claimAt(claims, required.getKey());
      if (actual == null || !required.getValue().equals(actual.toString())) {
        throw GatewayFailure.invalidToken("token does not have " + required.getKey() + " = " + required.getValue());
      }
    }
    Object value = claimAt(claims, config.usernameClaim());
    // Integral numbers only: a floating-point id may have lost digits, and two ids would share a name.
    String claimValue = value instanceof String s ? s
        : value instanceof Long || value instanceof Integer ? value.toString() : null;
    String name = PrincipalName.from(claimValue);
    if (name == null) {
      throw GatewayFailure.invalidToken("token has no " + config.usernameClaim() + " claim to name the user");
    }
    return new Identity(claims.getIssuer(), claims.getSubject(), claimValue, config.usernamePrefix() + name,
        exp.toInstant(), iat == null ? now : iat.toInstant(), claims.toJSONObject());
  }
}
