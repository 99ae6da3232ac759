package io.syncgate.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * A real OpenID Connect provider for tests: mock-oauth2-server on 127.0.0.1 with discovery and
 * JWKS endpoints per issuer id. Tokens are issued at the given clock's time, and an issuer's
 * signing key can be rotated to exercise JWKS refetching.
 */
public final class TestIdentityProvider implements AutoCloseable {

  private final RotatingKeys keys;
  private final Clock clock;
  private final Map<String, String> audiences;
  private MockOAuth2Server server;
  private int port;

  private TestIdentityProvider(String algorithm, Clock clock, Map<String, String> audiences) {
    this.keys = new RotatingKeys(algorithm);
    this.clock = clock;
    this.audiences = Map.copyOf(audiences);
    this.server = newServer();
  }

  private MockOAuth2Server newServer() {
    // What a sign-in through the login page gets: the user name typed there as `sub`, and the
    // audience this provider's issuer gives its tokens (mock-oauth2-server's own is "default").
    Set<OAuth2TokenCallback> callbacks = new java.util.HashSet<>();
    audiences.forEach((issuerId, audience) ->
        callbacks.add(new DefaultOAuth2TokenCallback(issuerId, UUID.randomUUID().toString(), "JWT", List.of(audience))));
    return new MockOAuth2Server(
        // Interactive: its authorization endpoint shows a login page (a user name, any claims), as
        // a web app's sign-in meets a real provider's; tokens issued directly are not affected.
        new OAuth2Config(true, null, null, false, new OAuth2TokenProvider(keys, clock::instant), callbacks));
  }

  public static TestIdentityProvider start(Clock clock) {
    return start("RS256", clock);
  }

  /** An identity provider signing with {@code algorithm} (RS256 or ES256). */
  public static TestIdentityProvider start(String algorithm, Clock clock) {
    return start(algorithm, clock, Map.of());
  }

  /**
   * As {@link #start(String, Clock)}, where a sign-in through the login page at issuer id {@code i}
   * gets an access token for {@code audiences.get(i)}.
   */
  public static TestIdentityProvider start(String algorithm, Clock clock, Map<String, String> audiences) {
    // A fixed port, not 0: mock-oauth2-server then sets SO_REUSEADDR, which restart() needs
    // while clients still hold connections to the stopped instance.
    TestIdentityProvider idp = new TestIdentityProvider(algorithm, clock, audiences);
    idp.port = FreePort.next();
    idp.listen(idp.port);
    return idp;
  }

  private void listen(int port) {
    try {
      server.start(InetAddress.getByName("127.0.0.1"), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Brings a closed provider back on its old address, with the same keys: the outage is over. */
  public void restart() {
    server = newServer();
    listen(port);
  }

  /** The issuer identifier of {@code issuerId}, exactly as it appears in tokens and discovery. */
  public String issuer(String issuerId) {
    return server.issuerUrl(issuerId).toString();
  }

  public String token(String issuerId, String subject, String audience, long expirySeconds) {
    return server.issueToken(issuerId, subject, audience, Map.of(), expirySeconds).serialize();
  }

  public String token(String issuerId, String subject, String audience, Map<String, Object> claims, long expirySeconds) {
    return server.issueToken(issuerId, subject, audience, claims, expirySeconds).serialize();
  }

  /** Signs arbitrary claims with the issuer's current published key, for tokens the provider would never issue. */
  public String sign(String issuerId, JWTClaimsSet claims) {
    return sign(issuerId, header -> header, claims);
  }

  /** As {@link #sign(String, JWTClaimsSet)}, with the header shaped by {@code header} (a typ, a crit, a jku…). */
  public String sign(String issuerId, java.util.function.UnaryOperator<JWSHeader.Builder> header, JWTClaimsSet claims) {
    JWK key = keys.signingKey(issuerId);
    try {
      JWSAlgorithm algorithm = JWSAlgorithm.parse(keys.algorithm().getName());
      SignedJWT jwt = new SignedJWT(header.apply(new JWSHeader.Builder(algorithm).keyID(key.getKeyID())).build(), claims);
      jwt.sign(key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public half of the issuer's current signing key, as a JWKS would publish it. */
  public JWK publicKey(String issuerId) {
    return keys.signingKey(issuerId).toPublicJWK();
  }

  /** JWKS requests the provider received since the last call (it records every request it serves). */
  public int jwksRequestsSinceLastAsked() {
    int count = 0;
    while (true) {
      okhttp3.mockwebserver.RecordedRequest request;
      try {
        request = server.takeRequest(200, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (RuntimeException none) {
        // mock-oauth2-server signals an empty queue by throwing.
        return count;
      }
      if (request == null) {
        return count;
      }
      if (request.getRequestUrl() != null && request.getRequestUrl().encodedPath().endsWith("/jwks")) {
        count++;
      }
    }
  }

  /** Replaces the issuer's signing key: tokens issued from now on carry a key id clients have not seen. */
  public void rotateKey(String issuerId) {
    keys.rotate(issuerId);
  }

  /** Makes the provider unreachable, as in an outage. */
  @Override
  public void close() {
    server.shutdown();
  }

  /** One key per issuer, replaceable on demand; mock-oauth2-server publishes whichever is current. */
  private static final class RotatingKeys extends KeyProvider {
    private final String algorithm;
    private final Map<String, JWK> current = new ConcurrentHashMap<>();

    RotatingKeys(String algorithm) {
      super(List.of(), algorithm);
      this.algorithm = algorithm;
    }

    @Override
    public JWK signingKey(String issuerId) {
      return current.computeIfAbsent(issuerId, id -> generate());
    }

    void rotate(String issuerId) {
      current.put(issuerId, generate());
    }

    private JWK generate() {
      String kid = UUID.randomUUID().toString();
      try {
        if (algorithm.startsWith("ES")) {
          return new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(JWSAlgorithm.ES256).generate();
        }
        return new RSAKeyGenerator(2048).keyID(kid).algorithm(JWSAlgorithm.RS256).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
