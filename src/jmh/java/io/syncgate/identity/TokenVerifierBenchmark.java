package io.syncgate.identity;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.syncgate.config.OidcConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a bearer token costs {@link TokenVerifier#verify}, per signing algorithm: the first time
 * (parse, key selection, signature, claims, and remembering it) and every time after (the SHA-256
 * the verified-token cache is keyed by, and the checks that token and key still hold). The keys
 * are fetched by the verifier itself, as in production, from a JWKS served on 127.0.0.1.
 *
 * <p>Verification runs on the benchmark thread, outside any Vert.x context: with keys loaded it
 * completes before {@code verify} returns, which every call checks. On an event loop the first
 * verification also hops back onto the caller's context, which this leaves out.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenVerifierBenchmark {

  private static final String AUDIENCE = "syncgate";

  /** The identity provider: one key of the algorithm measured, its JWKS on a local port. */
  @State(Scope.Benchmark)
  public static class Provider {

    @Param({"RS256", "PS256", "ES256", "EdDSA"})
    public String algorithm;

    private final MeterRegistry metrics = new SimpleMeterRegistry();
    private final Clock clock = Clock.systemUTC();
    private Vertx vertx;
    private WebClient web;
    private SigningKey key;
    private OidcConfig config;

    @Setup(Level.Trial)
    public void start() {
      key = SigningKey.generate(algorithm);
      String jwks = new JWKSet(key.published()).toString();
      vertx = Vertx.vertx();
      web = WebClient.create(vertx);
      int port = vertx.createHttpServer()
          .requestHandler(request -> request.response().putHeader("content-type", "application/json").end(jwks))
          .listen(0, "127.0.0.1").await().actualPort();
      String issuer = "http://127.0.0.1:" + port + "/realms/todo";
      config = new OidcConfig(issuer, Set.of(AUDIENCE), OidcConfig.DEFAULT_USERNAME_CLAIM, "",
          Set.copyOf(OidcConfig.SUPPORTED_ALGORITHMS), OidcConfig.DEFAULT_CLOCK_SKEW,
          OidcConfig.DEFAULT_JWKS_CACHE_TTL, OidcConfig.DEFAULT_JWKS_REFETCH_COOLDOWN, OidcConfig.DEFAULT_HTTP_TIMEOUT,
          Set.copyOf(OidcConfig.DEFAULT_ACCEPTED_TYPES), Set.of(), Map.of(), OidcConfig.DEFAULT_JWKS_MIN_TTL,
          OidcConfig.DEFAULT_JWKS_MAX_STALENESS, issuer + "/protocol/openid-connect/certs");
    }

    @TearDown(Level.Trial)
    public void stop() {
      vertx.close().await();
    }

    /** A verifier that remembers nothing yet, its keys loaded. */
    TokenVerifier verifier() {
      TokenVerifier verifier = new TokenVerifier(web, config, clock, metrics);
      verifier.loadKeys().await();
      return verifier;
    }

    /** An access token as a provider issues one, valid for the hour; each one unique by its jti. */
    String token() {
      Instant now = clock.instant();
      return key.sign(new JWTClaimsSet.Builder()
          .issuer(config.issuer())
          .subject("4f1c2a9b-8e7d-4c5b-a392-81d0e6f7a1b2")
          .audience(AUDIENCE)
          .claim("azp", "todo-web")
          .issueTime(Date.from(now))
          .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
          .jwtID(UUID.randomUUID().toString())
          .claim("sid", "9d2e4c71-5b3a-4f08-8c6e-2a7f1b9e3d54")
          .claim("scope", "openid profile email offline_access")
          .claim("email", "alice@example.com")
          .claim("email_verified", true)
          .claim("name", "Alice Example")
          .claim("preferred_username", "alice")
          .build());
    }
  }

  /**
   * Tokens the verifier has never seen, each verified once per invocation by a verifier made
   * just before it: a pool cycled through one long-lived verifier would soon be all cache hits,
   * and minting an RSA token costs many times what verifying it does.
   */
  @State(Scope.Thread)
  public static class Unseen {

    static final int TOKENS = 200;

    private final List<String> tokens = new ArrayList<>();
    private TokenVerifier verifier;

    @Setup(Level.Trial)
    public void mint(Provider provider) {
      for (int i = 0; i < TOKENS; i++) {
        tokens.add(provider.token());
      }
    }

    @Setup(Level.Invocation)
    public void forget(Provider provider) {
      verifier = provider.verifier();
    }

    @TearDown(Level.Invocation)
    public void checkEachWasVerifiedAnew() {
      if (verifier.signatureChecks() != TOKENS) {
        throw new IllegalStateException(verifier.signatureChecks() + " signature checks for " + TOKENS + " tokens");
      }
    }
  }

  /** One token's signing input and signature, for the JDK's check alone. */
  @State(Scope.Thread)
  public static class Signed {

    private SigningKey key;
    private byte[] input;
    private byte[] signature;

    @Setup(Level.Trial)
    public void split(Provider provider) throws GeneralSecurityException {
      String token = provider.token();
      int last = token.lastIndexOf('.');
      key = provider.key;
      input = token.substring(0, last).getBytes(StandardCharsets.US_ASCII);
      signature = Base64.getUrlDecoder().decode(token.substring(last + 1));
      if (!jdkVerifies(this)) {
        throw new IllegalStateException("the JDK does not verify the benchmark's " + provider.algorithm + " token");
      }
    }
  }

  /** One token, verified once before measuring: what a replication's every further request costs. */
  @State(Scope.Thread)
  public static class Remembered {

    private String token;
    private TokenVerifier verifier;

    @Setup(Level.Trial)
    public void verifyOnce(Provider provider) {
      token = provider.token();
      verifier = provider.verifier();
      identity(verifier.verify(token));
    }

    @TearDown(Level.Trial)
    public void checkNoneWasVerifiedAgain() {
      if (verifier.signatureChecks() != 1) {
        throw new IllegalStateException(verifier.signatureChecks() + " signature checks of a remembered token");
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(Unseen.TOKENS)
  public void firstVerification(Unseen unseen, Blackhole blackhole) {
    for (String token : unseen.tokens) {
      blackhole.consume(identity(unseen.verifier.verify(token)));
    }
  }

  @Benchmark
  public Identity repeatedVerification(Remembered remembered) {
    return identity(remembered.verifier.verify(remembered.token));
  }

  /**
   * The JDK's signature check alone, as Nimbus makes it (a new Signature each time): the floor
   * under {@link #firstVerification}, whose difference from it is Syncgate's and Nimbus's own work.
   */
  @Benchmark
  public boolean signatureAlone(Signed signed) throws GeneralSecurityException {
    return jdkVerifies(signed);
  }

  private static boolean jdkVerifies(Signed signed) throws GeneralSecurityException {
    Signature signature = signed.key.jdkSignature();
    signature.initVerify(signed.key.publicKey());
    signature.update(signed.input);
    return signature.verify(signed.signature);
  }

  private static Identity identity(Future<Identity> verification) {
    if (!verification.succeeded()) {
      throw new IllegalStateException("verification did not succeed at once", verification.cause());
    }
    return verification.result();
  }
}
