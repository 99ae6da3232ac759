package io.syncgate.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.syncgate.config.OidcConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.testing.MutableClock;
import io.syncgate.testing.TestIdentityProvider;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

  private static final String AUDIENCE = "syncgate-app";

  private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private Vertx vertx;
  private WebClient web;
  private TestIdentityProvider idp;
  private Context context;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    context = vertx.getOrCreateContext();
    idp = TestIdentityProvider.start(clock);
  }

  @AfterEach
  void stop() {
    idp.close();
    vertx.close().await();
  }

  private OidcConfig config(String issuerId) {
    return config(issuerId, "sub", OidcConfig.DEFAULT_ALGORITHMS);
  }

  private OidcConfig config(String issuerId, String claim, List<String> algorithms) {
    return new OidcConfig(idp.issuer(issuerId), Set.of(AUDIENCE, "second-app"), claim, "", Set.copyOf(algorithms),
        Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));
  }

  /**
   * Verifies on one Vert.x context, as Syncgate's event loops do (Vert.x 5.0.7's client, called
   * from a plain thread with a fresh context each time, now and then loses a pooled response).
   */
  private Identity verify(TokenVerifier verifier, String token) {
    Promise<Identity> done = Promise.promise();
    context.runOnContext(v -> verifier.verify(token).onComplete(done));
    return done.future().await();
  }

  private TokenVerifier verifier(OidcConfig config) {
    return new TokenVerifier(web, config, clock, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  private String rejection(TokenVerifier verifier, String token) {
    Throwable failure = catchThrowable(() -> verify(verifier, token));
    assertThat(failure).isInstanceOf(GatewayFailure.class);
    assertThat(((GatewayFailure) failure).status()).isEqualTo(401);
    assertThat(((GatewayFailure) failure).wwwAuthenticate()).contains("error=\"invalid_token\"");
    return ((GatewayFailure) failure).reason();
  }

  @Test
  void aValidRs256TokenNamesItsSubject() {
    Identity identity = verify(verifier(config("idp")), idp.token("idp", "alice", AUDIENCE, 300));

    assertThat(identity.username()).isEqualTo("alice");
    assertThat(identity.issuer()).isEqualTo(idp.issuer("idp"));
    assertThat(identity.expiresAt()).isEqualTo(clock.instant().plusSeconds(300));
  }

  @Test
  void aValidEs256TokenIsAccepted() {
    try (TestIdentityProvider ec = TestIdentityProvider.start("ES256", clock)) {
      OidcConfig config = new OidcConfig(ec.issuer("ec"), Set.of(AUDIENCE), "sub", "", Set.of("ES256"),
          Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));

      Identity identity = verify(verifier(config), ec.token("ec", "ellie", AUDIENCE, 300));

      assertThat(identity.username()).isEqualTo("ellie");
    }
  }

  @Test
  void anyOfTheAcceptedAudiencesIsEnough() {
    assertThat(verify(verifier(config("idp")), idp.token("idp", "bob", "second-app", 300)).username())
        .isEqualTo("bob");
  }

  @Test
  void theUsernameComesFromTheConfiguredClaim() {
    String token = idp.token("idp", "subject-123", AUDIENCE, Map.of("email", "carol@example.com"), 300);

    Identity identity = verify(verifier(config("idp", "email", OidcConfig.DEFAULT_ALGORITHMS)), token);

    assertThat(identity.username()).isEqualTo("carol@example.com");
    assertThat(identity.subject()).isEqualTo("subject-123");
  }

  @Test
  void aTokenWithoutTheUsernameClaimIsRejected() {
    String reason = rejection(verifier(config("idp", "email", OidcConfig.DEFAULT_ALGORITHMS)),
        idp.token("idp", "subject-123", AUDIENCE, 300));

    assertThat(reason).isEqualTo("token has no email claim to name the user");
  }

  @Test
  void anExpiredTokenIsRejectedFromItsExpiryOnTheSkewForgivesNoExpiry() {
    TokenVerifier verifier = verifier(config("idp"));
    String token = idp.token("idp", "dave", AUDIENCE, 60);

    clock.advance(Duration.ofSeconds(59));
    assertThat(verify(verifier, token).username()).isEqualTo("dave");
    clock.advance(Duration.ofSeconds(1));
    assertThat(rejection(verifier, token)).isEqualTo("token expired");
    String fresh = idp.token("idp", "dave", AUDIENCE, 60);
    clock.advance(Duration.ofSeconds(62));
    assertThat(rejection(verifier, fresh)).as("2 s past exp, well within the 30 s skew").isEqualTo("token expired");
  }

  @Test
  void aTokenNotValidYetIsRejected() {
    MutableClock issuerClock = new MutableClock(clock.instant().plus(Duration.ofMinutes(5)));
    try (TestIdentityProvider future = TestIdentityProvider.start(issuerClock)) {
      OidcConfig config = new OidcConfig(future.issuer("idp"), Set.of(AUDIENCE), "sub", "", Set.of("RS256"),
          Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));

      assertThat(rejection(verifier(config), future.token("idp", "erin", AUDIENCE, 600)))
          .isEqualTo("token is not valid yet");
    }
  }

  @Test
  void aTokenForAnotherAudienceIsRejected() {
    assertThat(rejection(verifier(config("idp")), idp.token("idp", "frank", "someone-else", 300)))
        .isEqualTo("token audience is not accepted");
  }

  @Test
  void aTokenFromAnotherIssuerOfTheSameServerIsRejected() {
    // Routed by its iss, which names no configured issuer: refused before any key is looked at.
    assertThat(rejection(verifier(config("idp")), idp.token("other", "grace", AUDIENCE, 300)))
        .isEqualTo("token issuer is not accepted");
  }

  @Test
  void aTokenSignedWithTheIssuersKeyButNamingAnotherIssuerIsRejected() {
    String token = idp.token("idp", "heidi", AUDIENCE, Map.of("iss", "https://evil.example"), 300);

    assertThat(rejection(verifier(config("idp")), token)).isEqualTo("token issuer is not accepted");
  }

  @Test
  void aTokenSignedByAnUnknownKeyIsRejected() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("stranger").build(),
        claims("ivan", idp.issuer("idp")));
    jwt.sign(new RSASSASigner(stranger));

    assertThat(rejection(verifier(config("idp")), jwt.serialize()))
        .isEqualTo("token is signed by a key the issuer does not publish");
  }

  @Test
  void aTokenWhoseSignatureWasTamperedWithIsRejected() {
    String token = idp.token("idp", "judy", AUDIENCE, 300);
    String[] parts = token.split("\\.");
    String forgedClaims = Base64URL.encode(new String(Base64URL.from(parts[1]).decode()).replace("judy", "admin"))
        .toString();

    assertThat(rejection(verifier(config("idp")), parts[0] + "." + forgedClaims + "." + parts[2]))
        .isEqualTo("token signature is invalid");
  }

  @Test
  void anUnsignedTokenIsRejected() {
    String token = new PlainJWT(claims("mallory", idp.issuer("idp"))).serialize();

    assertThat(rejection(verifier(config("idp")), token)).isEqualTo("token is not signed");
  }

  @Test
  void anHmacTokenKeyedWithThePublicKeyIsRejected() throws Exception {
    // The classic confusion attack: HS256 "signed" with bytes everyone can read from the JWKS.
    String token = idp.token("idp", "warmup", AUDIENCE, 300);
    verify(verifier(config("idp")), token);
    byte[] publicBytes = web.getAbs(idp.issuer("idp") + "/jwks").send().await().bodyAsString().repeat(2).getBytes();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims("mallory", idp.issuer("idp")));
    jwt.sign(new MACSigner(publicBytes));

    assertThat(rejection(verifier(config("idp")), jwt.serialize())).isEqualTo("signing algorithm is not accepted");
  }

  @Test
  void anAlgorithmOffTheAllowlistIsRejected() {
    TokenVerifier esOnly = verifier(config("idp", "sub", List.of("ES256")));

    assertThat(rejection(esOnly, idp.token("idp", "oscar", AUDIENCE, 300))).isEqualTo("signing algorithm is not accepted");
  }

  @Test
  void garbageIsRejectedAsMalformed() {
    assertThat(rejection(verifier(config("idp")), "not-a-jwt")).isEqualTo("malformed token");
  }

  @Test
  void aTokenWithoutExpiryIsRejected() {
    JWTClaimsSet noExpiry = new JWTClaimsSet.Builder(claims("uma", idp.issuer("idp"))).expirationTime(null).build();

    assertThat(rejection(verifier(config("idp")), idp.sign("idp", noExpiry))).isEqualTo("token has no expiry");
  }

  @Test
  void aTokenSignedByAnotherKeyUnderAKnownKeyIdIsRejected() throws Exception {
    String kid = SignedJWT.parse(idp.token("idp", "warmup", AUDIENCE, 300)).getHeader().getKeyID();
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(kid).generate();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(),
        claims("victor", idp.issuer("idp")));
    jwt.sign(new RSASSASigner(impostor));

    assertThat(rejection(verifier(config("idp")), jwt.serialize())).isEqualTo("token signature is invalid");
  }

  @Test
  void aNumericUsernameClaimIsAccepted() {
    JWTClaimsSet numeric = new JWTClaimsSet.Builder(claims("ignored", idp.issuer("idp"))).claim("uid", 4711).build();

    Identity identity = verify(verifier(config("idp", "uid", OidcConfig.DEFAULT_ALGORITHMS)), idp.sign("idp", numeric));

    assertThat(identity.username()).isEqualTo("4711");
  }

  @Test
  void aRotatedKeyIsFetchedOnFirstSight() {
    TokenVerifier verifier = verifier(config("idp"));
    verify(verifier, idp.token("idp", "peggy", AUDIENCE, 300));

    idp.rotateKey("idp");

    assertThat(verify(verifier, idp.token("idp", "peggy", AUDIENCE, 300)).username()).isEqualTo("peggy");
  }

  @Test
  void aTokenVerifiedOnceIsNotCheckedAgainUntilItExpires() {
    TokenVerifier verifier = verifier(config("idp"));
    String token = idp.token("idp", "repeat", AUDIENCE, 60);

    for (int i = 0; i < 5; i++) {
      assertThat(verify(verifier, token).username()).isEqualTo("repeat");
    }
    assertThat(verifier.signatureChecks()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(60)); // its exp
    assertThat(rejection(verifier, token)).isEqualTo("token expired");
  }

  @Test
  void aRememberedTokenIsRefusedOnceItsKeyIsNoLongerPublished() {
    TokenVerifier verifier = verifier(config("idp"));
    String old = idp.token("idp", "withdrawn", AUDIENCE, 3600);
    verify(verifier, old);

    idp.rotateKey("idp"); // the old key is withdrawn
    verify(verifier, idp.token("idp", "withdrawn", AUDIENCE, 3600)); // the new key id makes Syncgate refetch

    assertThat(rejection(verifier, old)).isEqualTo("token is signed by a key the issuer does not publish");
    assertThat(verifier.signatureChecks()).isEqualTo(2);
  }

  @Test
  void unknownKeysTriggerAtMostOneRefetchPerCooldown() {
    TokenVerifier verifier = verifier(config("idp"));
    verify(verifier, idp.token("idp", "quinn", AUDIENCE, 300));
    idp.rotateKey("idp");
    String first = idp.token("idp", "quinn", AUDIENCE, 300);
    assertThat(verify(verifier, first).username()).isEqualTo("quinn");

    idp.rotateKey("idp");
    String second = idp.token("idp", "quinn", AUDIENCE, 300);
    // Within the cooldown the new key is not fetched...
    assertThat(rejection(verifier, second)).isEqualTo("token is signed by a key the issuer does not publish");
    // ...after it, it is.
    clock.advance(Duration.ofSeconds(31));
    assertThat(verify(verifier, second).username()).isEqualTo("quinn");
  }

  @Test
  void aThousandConcurrentTokensWithOneUnknownKeyCauseAtMostOneJwksFetch() {
    TokenVerifier verifier = verifier(config("idp"));
    verify(verifier, idp.token("idp", "quinn", AUDIENCE, 300));
    idp.jwksRequestsSinceLastAsked();
    idp.rotateKey("idp");
    List<String> tokens = java.util.stream.IntStream.range(0, 1000)
        .mapToObj(i -> idp.token("idp", "user" + i, AUDIENCE, 300)).toList();

    // From both event loops at once, as a reconnecting fleet would after a rotation.
    List<Future<Identity>> verified = new java.util.ArrayList<>();
    List<Context> loops = List.of(vertx.getOrCreateContext(), ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext());
    for (int i = 0; i < tokens.size(); i++) {
      Promise<Identity> done = Promise.promise();
      String token = tokens.get(i);
      loops.get(i % 2).runOnContext(v -> verifier.verify(token).onComplete(done));
      verified.add(done.future());
    }
    Future.all(verified).await();

    assertThat(verified).allMatch(Future::succeeded);
    assertThat(idp.jwksRequestsSinceLastAsked()).isEqualTo(1);
  }

  @Test
  void theTypesAcceptedByDefaultAreNoneJwtAndAccessTokenJwt() {
    TokenVerifier verifier = verifier(config("idp"));
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(idp.issuer("idp")).subject("tess").audience(AUDIENCE)
        .expirationTime(Date.from(clock.instant().plusSeconds(300))).build();

    assertThat(verify(verifier, idp.sign("idp", h -> h, claims)).username()).isEqualTo("tess");
    assertThat(verify(verifier, idp.sign("idp", h -> h.type(JOSEObjectType.JWT), claims)).username()).isEqualTo("tess");
    assertThat(verify(verifier, idp.sign("idp", h -> h.type(new JOSEObjectType("at+jwt")), claims)).username())
        .isEqualTo("tess");
    assertThat(verify(verifier, idp.sign("idp", h -> h.type(new JOSEObjectType("application/AT+JWT")), claims))
        .username()).isEqualTo("tess");
  }

  @Test
  void theUsernameClaimMayBeANamespacedClaimOrAPathIntoAnObject() {
    TokenVerifier namespaced = verifier(config("idp", "https://example.com/uid", OidcConfig.DEFAULT_ALGORITHMS));
    TokenVerifier nested = verifier(config("idp", "profile.uid", OidcConfig.DEFAULT_ALGORITHMS));

    assertThat(verify(namespaced, idp.token("idp", "s", AUDIENCE, Map.of("https://example.com/uid", "ulla"), 300))
        .username()).isEqualTo("ulla");
    assertThat(verify(nested, idp.token("idp", "s", AUDIENCE, Map.of("profile", Map.of("uid", 4242)), 300))
        .username()).isEqualTo("4242");
    assertThat(rejection(nested, idp.token("idp", "s", AUDIENCE, Map.of("profile", "flat"), 300)))
        .isEqualTo("token has no profile.uid claim to name the user");
  }

  @Test
  void knownKeysKeepWorkingWhileTheProviderIsDown() {
    TokenVerifier verifier = verifier(config("idp"));
    String token = idp.token("idp", "rita", AUDIENCE, 3600);
    verify(verifier, token);

    idp.close();
    clock.advance(Duration.ofMinutes(30)); // past the cache TTL: a refresh is attempted and fails

    assertThat(verify(verifier, token).username()).isEqualTo("rita");
    assertThat(verifier.ready()).isTrue();
  }

  @Test
  void withoutKeysVerificationFailsAs503NotAs401() {
    TokenVerifier verifier = verifier(config("idp"));
    String token = idp.token("idp", "sam", AUDIENCE, 300);
    idp.close();

    Throwable failure = catchThrowable(() -> verify(verifier, token));

    assertThat(failure).isInstanceOf(GatewayFailure.class);
    assertThat(((GatewayFailure) failure).status()).isEqualTo(503);
    assertThat(verifier.ready()).isFalse();
  }

  @Test
  void aDiscoveryDocumentForAnotherIssuerIsNotTrusted() {
    // Configured issuer differs from what the provider's discovery document claims (trailing slash).
    OidcConfig config = new OidcConfig(idp.issuer("idp") + "/", Set.of(AUDIENCE), "sub", "", Set.of("RS256"),
        Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));

    // A token naming the configured issuer, so that it is routed to it and its keys are sought.
    Throwable failure = catchThrowable(() -> verify(verifier(config), tokenOf(idp.issuer("idp") + "/", "tina")));

    assertThat(((GatewayFailure) failure).status()).isEqualTo(503);
  }

  @Test
  void aFailingProviderIsAskedAtMostOncePerCooldown() {
    AtomicInteger jwksRequests = new AtomicInteger();
    HttpServer failing = vertx.createHttpServer().requestHandler(request -> {
      String self = "http://127.0.0.1:" + request.localAddress().port();
      if (request.path().endsWith("/.well-known/openid-configuration")) {
        request.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("issuer", self).put("jwks_uri", self + "/jwks").encode());
      } else {
        jwksRequests.incrementAndGet();
        request.response().setStatusCode(503).end();
      }
    }).listen(0, "127.0.0.1").await();
    String issuer = "http://127.0.0.1:" + failing.actualPort();
    TokenVerifier verifier = verifier(new OidcConfig(issuer, Set.of(AUDIENCE), "sub", "", Set.of("RS256"),
        Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5)));
    String token = tokenOf(issuer, "ursula");

    for (int i = 0; i < 5; i++) {
      Throwable failure = catchThrowable(() -> verify(verifier, token));
      assertThat(((GatewayFailure) failure).status()).isEqualTo(503);
    }
    assertThat(jwksRequests).hasValue(1);

    clock.advance(Duration.ofSeconds(31));
    catchThrowable(() -> verify(verifier, token));
    assertThat(jwksRequests).hasValue(2);
  }

  /** A provider serving the test IdP's keys with {@code cacheControl}, or failing while {@code down}. */
  private HttpServer keysWith(String cacheControl, AtomicInteger jwksRequests, java.util.concurrent.atomic.AtomicBoolean down) {
    return vertx.createHttpServer().requestHandler(request -> {
      String self = "http://127.0.0.1:" + request.localAddress().port();
      if (request.path().endsWith("/.well-known/openid-configuration")) {
        request.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("issuer", self).put("jwks_uri", self + "/jwks").encode());
      } else if (down.get()) {
        jwksRequests.incrementAndGet();
        request.response().setStatusCode(503).end();
      } else {
        jwksRequests.incrementAndGet();
        request.response().putHeader("content-type", "application/json").putHeader("cache-control", cacheControl)
            .end(new com.nimbusds.jose.jwk.JWKSet(idp.publicKey("idp")).toString());
      }
    }).listen(0, "127.0.0.1").await();
  }

  private OidcConfig keysConfig(String issuer, Duration staleness) {
    return new OidcConfig(issuer, Set.of(AUDIENCE), "sub", "", Set.of("RS256"), Duration.ofSeconds(30),
        Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5), Set.copyOf(OidcConfig.DEFAULT_ACCEPTED_TYPES),
        Set.of(), Map.of(), Duration.ofMinutes(1), staleness, null);
  }

  private String tokenOf(String issuer, String subject) {
    return idp.sign("idp", new JWTClaimsSet.Builder().issuer(issuer).subject(subject).audience(AUDIENCE)
        .expirationTime(Date.from(clock.instant().plusSeconds(3600))).build());
  }

  /** An Ed25519 token signed with the JDK (Nimbus's own signer needs Tink), over {@code claims}. */
  private static String ed25519Token(java.security.PrivateKey key, String kid, JWTClaimsSet claims) throws Exception {
    String signingInput = Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}") + "."
        + Base64URL.encode(claims.toString());
    java.security.Signature signature = java.security.Signature.getInstance("Ed25519");
    signature.initSign(key);
    signature.update(signingInput.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return signingInput + "." + Base64URL.encode(signature.sign());
  }

  @Test
  void anEd25519TokenIsAcceptedWhereEdDsaIsAllowedAndOnlyThere() throws Exception {
    java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] encoded = pair.getPublic().getEncoded();
    byte[] x = java.util.Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    var okp = new com.nimbusds.jose.jwk.OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519, Base64URL.encode(x))
        .keyID("ed").build();
    HttpServer provider = vertx.createHttpServer().requestHandler(request -> {
      String self = "http://127.0.0.1:" + request.localAddress().port();
      if (request.path().endsWith("/.well-known/openid-configuration")) {
        request.response().end(new JsonObject().put("issuer", self).put("jwks_uri", self + "/jwks").encode());
      } else {
        request.response().end(new com.nimbusds.jose.jwk.JWKSet(okp).toString());
      }
    }).listen(0, "127.0.0.1").await();
    String issuer = "http://127.0.0.1:" + provider.actualPort();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer).subject("edda").audience(AUDIENCE)
        .expirationTime(Date.from(clock.instant().plusSeconds(300))).build();
    String token = ed25519Token(pair.getPrivate(), "ed", claims);
    String forged = ed25519Token(java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate(),
        "ed", claims);
    OidcConfig allowed = new OidcConfig(issuer, Set.of(AUDIENCE), "sub", "", Set.of("EdDSA"),
        Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));
    OidcConfig defaults = new OidcConfig(issuer, Set.of(AUDIENCE), "sub", "", Set.copyOf(OidcConfig.DEFAULT_ALGORITHMS),
        Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30), Duration.ofSeconds(5));

    assertThat(verify(verifier(allowed), token).username()).isEqualTo("edda");
    assertThat(rejection(verifier(allowed), forged)).isEqualTo("token signature is invalid");
    assertThat(rejection(verifier(defaults), token)).isEqualTo("signing algorithm is not accepted");
  }

  @Test
  void aConfiguredJwksUriIsUsedWithoutDiscovery() {
    AtomicInteger discoveries = new AtomicInteger();
    HttpServer provider = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/keys/v2")) {
        request.response().putHeader("content-type", "application/json")
            .end(new com.nimbusds.jose.jwk.JWKSet(idp.publicKey("idp")).toString());
      } else {
        discoveries.incrementAndGet();
        request.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
    String issuer = "http://127.0.0.1:" + provider.actualPort() + "/no-discovery";
    OidcConfig base = keysConfig(issuer, Duration.ofHours(24));
    OidcConfig config = new OidcConfig(base.issuer(), base.audiences(), base.usernameClaim(), base.usernamePrefix(),
        base.algorithms(), base.clockSkew(), base.jwksCacheTtl(), base.jwksRefetchCooldown(), base.httpTimeout(),
        base.acceptedTypes(), base.authorizedParties(), base.requiredClaims(), base.jwksMinTtl(), base.jwksMaxStaleness(),
        "http://127.0.0.1:" + provider.actualPort() + "/keys/v2");

    assertThat(verify(verifier(config), tokenOf(issuer, "yuki")).username()).isEqualTo("yuki");
    assertThat(discoveries).hasValue(0);
  }

  @Test
  void keysAreRefreshedWhenTheProvidersMaxAgeSaysWithinTheConfiguredBounds() {
    AtomicInteger jwksRequests = new AtomicInteger();
    var down = new java.util.concurrent.atomic.AtomicBoolean();
    HttpServer twoMinutes = keysWith("public, max-age=120", jwksRequests, down);
    HttpServer fiveSeconds = keysWith("max-age=5", new AtomicInteger(), down);
    String issuer = "http://127.0.0.1:" + twoMinutes.actualPort();
    TokenVerifier verifier = verifier(keysConfig(issuer, Duration.ofHours(24)));
    verify(verifier, tokenOf(issuer, "vera"));
    assertThat(jwksRequests).hasValue(1);

    clock.advance(Duration.ofSeconds(100));
    verify(verifier, tokenOf(issuer, "vera2"));
    assertThat(jwksRequests).as("fresh for 120 s").hasValue(1);
    clock.advance(Duration.ofSeconds(30));
    verify(verifier, tokenOf(issuer, "vera3"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(jwksRequests).hasValue(2));

    // A max-age of 5 s is raised to oidc.jwks_min_ttl (1 minute): providers cannot make us poll.
    AtomicInteger shortRequests = new AtomicInteger();
    fiveSeconds.close().await();
    HttpServer eager = keysWith("max-age=5", shortRequests, down);
    String eagerIssuer = "http://127.0.0.1:" + eager.actualPort();
    TokenVerifier eagerVerifier = verifier(keysConfig(eagerIssuer, Duration.ofHours(24)));
    verify(eagerVerifier, tokenOf(eagerIssuer, "wim"));
    clock.advance(Duration.ofSeconds(30));
    verify(eagerVerifier, tokenOf(eagerIssuer, "wim2"));
    assertThat(shortRequests).hasValue(1);
  }

  @Test
  void keysNobodyCouldConfirmForLongerThanTheMaximumStalenessServeNoMore() {
    AtomicInteger jwksRequests = new AtomicInteger();
    var down = new java.util.concurrent.atomic.AtomicBoolean();
    HttpServer provider = keysWith("max-age=60", jwksRequests, down);
    String issuer = "http://127.0.0.1:" + provider.actualPort();
    TokenVerifier verifier = verifier(keysConfig(issuer, Duration.ofMinutes(30)));
    verify(verifier, tokenOf(issuer, "xena"));

    down.set(true);
    clock.advance(Duration.ofMinutes(20));
    assertThat(verify(verifier, tokenOf(issuer, "xena")).username()).as("stale but within bounds").isEqualTo("xena");
    assertThat(verifier.ready()).isTrue();

    clock.advance(Duration.ofMinutes(11));
    Throwable failure = catchThrowable(() -> verify(verifier, tokenOf(issuer, "yann")));
    assertThat(((GatewayFailure) failure).status()).isEqualTo(503);
    assertThat(((GatewayFailure) failure).reason()).startsWith("the identity provider's signing keys are older than oidc.jwks_max_staleness");
    assertThat(catchThrowable(() -> verify(verifier, tokenOf(issuer, "xena")))).as("remembered tokens too")
        .isInstanceOf(GatewayFailure.class);
    assertThat(verifier.ready()).isFalse();
    assertThat(verifier.notReadyReason()).contains("oidc.jwks_max_staleness");

    down.set(false);
    // Requests keep coming while time passes: once a retry is due (the last failure may have
    // landed after the clock moved, restarting the cooldown), one of them fetches the keys again.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
      clock.advance(Duration.ofSeconds(31));
      catchThrowable(() -> verify(verifier, tokenOf(issuer, "zoe")));
      return verifier.ready();
    });
    assertThat(verify(verifier, tokenOf(issuer, "zoe")).username()).isEqualTo("zoe");
  }

  @Test
  void verificationCompletesOnTheCallersEventLoopEvenWhenJoiningAnotherLoopsKeyFetch() {
    TokenVerifier verifier = verifier(config("idp"));
    String token = idp.token("idp", "vera", AUDIENCE, 300);
    List<Context> callers = List.of(vertx.getOrCreateContext(), vertx.getOrCreateContext(), vertx.getOrCreateContext());
    List<Promise<Boolean>> onOwnContext = callers.stream().map(c -> Promise.<Boolean>promise()).toList();

    for (int i = 0; i < callers.size(); i++) {
      Context caller = callers.get(i);
      Promise<Boolean> result = onOwnContext.get(i);
      caller.runOnContext(v -> verifier.verify(token).onComplete(done -> result.complete(Vertx.currentContext() == caller)));
    }

    assertThat(onOwnContext).allSatisfy(result -> assertThat(result.future().await()).isTrue());
  }

  private JWTClaimsSet claims(String subject, String issuer) {
    return new JWTClaimsSet.Builder()
        .subject(subject)
        .issuer(issuer)
        .audience(AUDIENCE)
        .expirationTime(Date.from(clock.instant().plusSeconds(300)))
        .build();
  }

  private Throwable failureFrom(TokenVerifier verifier, String token, String client) {
    Promise<Identity> done = Promise.promise();
    context.runOnContext(v -> verifier.verify(token, client).onComplete(done));
    return catchThrowable(() -> done.future().await());
  }

  @Test
  void aClientWhoseTokensKeepFailingIsRefusedUncheckedUntilItsLimitRefills() {
    TokenVerifier verifier = new TokenVerifier(web, List.of(config("idp")), clock,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), 5);
    String good = idp.token("idp", "known", AUDIENCE, 3600);
    assertThat(failureFrom(verifier, good, "203.0.113.7")).isNull();
    String forged = good.substring(0, good.lastIndexOf('.') + 1) + "A".repeat(342);

    for (int i = 0; i < 5; i++) {
      assertThat(((GatewayFailure) failureFrom(verifier, forged, "203.0.113.7")).status()).isEqualTo(401);
    }
    long checked = verifier.signatureChecks();
    GatewayFailure limited = (GatewayFailure) failureFrom(verifier, forged, "203.0.113.7");

    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.retryAfterSeconds()).isBetween(1L, 60L);
    assertThat(verifier.signatureChecks()).as("refused without a signature check").isEqualTo(checked);
    assertThat(failureFrom(verifier, good, "203.0.113.7")).as("a remembered token costs nothing").isNull();
    assertThat(((GatewayFailure) failureFrom(verifier, forged, "203.0.113.8")).status())
        .as("another client is not limited by this one").isEqualTo(401);

    clock.advance(Duration.ofSeconds(13)); // a fifth of the minute: one more check
    assertThat(((GatewayFailure) failureFrom(verifier, forged, "203.0.113.7")).status()).isEqualTo(401);
    assertThat(((GatewayFailure) failureFrom(verifier, forged, "203.0.113.7")).status()).isEqualTo(429);
  }
}
