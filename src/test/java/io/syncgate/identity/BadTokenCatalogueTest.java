package io.syncgate.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.syncgate.testing.Http;
import io.syncgate.testing.Http.Response;
import io.syncgate.testing.TestStack;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forty-odd tokens that must not get in, each sent to both ways in (sign-in and a proxied
 * request) of a Syncgate that also requires {@code azp} and {@code email_verified}: each is a 401
 * with its own JSON reason and an RFC 6750 challenge, and nothing reaches Sync Gateway.
 */
class BadTokenCatalogueTest {

  private static final String CLIENT = "app-client";

  @RegisterExtension
  static final TestStack stack = TestStack.forClass(Map.of(
      "SYNCGATE_OIDC_AUTHORIZED_PARTIES", CLIENT,
      "SYNCGATE_OIDC_REQUIRED_CLAIMS", "email_verified=true",
      // Every bad token here comes from one address: its reason, not the limit on such senders, is the point.
      "SYNCGATE_OIDC_FAILED_VERIFICATIONS_PER_CLIENT_PER_MINUTE", "10000"));

  @AfterEach
  void nothingReachedSyncGateway() {
    assertThat(stack.sg.adminWrites()).isEmpty();
    assertThat(stack.sg.publicRequests()).isEmpty();
  }

  record Bad(String name, Supplier<String> token, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Bad> catalogue() {
    return Stream.of(
        // The header.
        bad("typ of an ID token's logout sibling", header(h -> h.type(new JOSEObjectType("logout+jwt"))), "token type is not accepted"),
        bad("typ of a security event", header(h -> h.type(new JOSEObjectType("secevent+jwt"))), "token type is not accepted"),
        bad("typ of a DPoP proof", header(h -> h.type(new JOSEObjectType("dpop+jwt"))), "token type is not accepted"),
        bad("typ JOSE", header(h -> h.type(JOSEObjectType.JOSE)), "token type is not accepted"),
        bad("typ application/jose+json", header(h -> h.type(JOSEObjectType.JOSE_JSON)), "token type is not accepted"),
        bad("crit naming an unknown parameter", header(h -> h.criticalParams(Set.of("exp-ext")).customParam("exp-ext", 1)),
            "token signature is invalid"),
        bad("jku pointing elsewhere, signed by a stranger", () -> stranger(h -> h.jwkURL(URI.create("https://evil.example/jwks"))),
            "token is signed by a key the issuer does not publish"),
        bad("the stranger's own key embedded (jwk)", BadTokenCatalogueTest::strangerWithEmbeddedKey,
            "token is signed by a key the issuer does not publish"),
        bad("a kid the issuer never published", () -> stranger(h -> h), "token is signed by a key the issuer does not publish"),
        bad("alg none", () -> new PlainJWT(good().build()).serialize(), "token is not signed"),
        bad("alg HS256", BadTokenCatalogueTest::hmac, "signing algorithm is not accepted"),
        bad("alg none spelt in a signed header", () -> withHeader("{\"alg\":\"none\",\"kid\":\"x\"}"), "malformed token"),
        bad("a header that is not JSON", () -> withHeader("not json"), "malformed token"),
        // The signature.
        bad("payload changed after signing", () -> tamperPayload(signed(good())), "token signature is invalid"),
        bad("signature truncated", () -> cut(signed(good()), 10), "token signature is invalid"),
        bad("signature empty", () -> signed(good()).substring(0, signed(good()).lastIndexOf('.') + 1), "malformed token"),
        bad("signature of another token", BadTokenCatalogueTest::swappedSignature, "token signature is invalid"),
        // Not a JWS at all.
        bad("two parts", () -> "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", "malformed token"),
        bad("garbage", () -> "not-a-token-at-all", "malformed token"),
        bad("five parts (an encrypted JWT)", () -> "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", "token is not signed"),
        // The payload names the issuer whose rules apply: one that is not JSON names none.
        bad("claims that are not JSON", () -> withPayload("bm90IGpzb24"), "token claims are not a JSON object"),
        // The claims.
        bad("expired an hour ago", claims(c -> c.expirationTime(in(-3600))), "token expired"),
        bad("no expiry", claims(c -> c.expirationTime(null)), "token has no expiry"),
        bad("not valid for an hour", claims(c -> c.notBeforeTime(in(3600))), "token is not valid yet"),
        bad("expiry as text", claims(c -> c.claim("exp", "tomorrow")), "token claims are not a JSON object"),
        bad("no audience", claims(c -> c.audience((String) null)), "token audience is not accepted"),
        bad("another audience", claims(c -> c.audience("another-app")), "token audience is not accepted"),
        bad("audiences without ours", claims(c -> c.audience(List.of("a", "b"))), "token audience is not accepted"),
        bad("no issuer", claims(c -> c.issuer(null)), "token issuer is not accepted"),
        bad("issuer with a trailing slash", claims(c -> c.issuer(stack.idp.issuer(TestStack.ISSUER_ID) + "/")),
            "token issuer is not accepted"),
        bad("issuer in capitals", claims(c -> c.issuer(stack.idp.issuer(TestStack.ISSUER_ID).toUpperCase())),
            "token issuer is not accepted"),
        bad("no azp", claims(c -> c.claim("azp", null)), "token authorized party is not accepted"),
        bad("another client's azp", claims(c -> c.claim("azp", "other-client")), "token authorized party is not accepted"),
        bad("azp as a list", claims(c -> c.claim("azp", List.of(CLIENT))), "token authorized party is not accepted"),
        bad("email not verified", claims(c -> c.claim("email_verified", false)), "token does not have email_verified = true"),
        bad("no email_verified", claims(c -> c.claim("email_verified", null)), "token does not have email_verified = true"),
        bad("email_verified inside another object", claims(c -> c.claim("email_verified", null)
            .claim("profile", Map.of("email_verified", true))), "token does not have email_verified = true"),
        bad("no sub", claims(c -> c.subject(null)), "token has no sub claim to name the user"),
        bad("empty sub", claims(c -> c.subject("")), "token has no sub claim to name the user"),
        bad("sub as an object", claims(c -> c.subject(null).claim("sub", Map.of("id", 1))),
            "token claims are not a JSON object"),
        bad("signed by the issuer for another issuer", () -> stack.idp.token("another-issuer", "victim", TestStack.AUDIENCE,
            Map.of("azp", CLIENT, "email_verified", true), 300), "token issuer is not accepted"));
  }

  static Stream<Arguments> everyWayIn() {
    return catalogue().flatMap(bad -> Stream.of(
        Arguments.of(bad, HttpMethod.POST, "/sync/todo/_session"),
        Arguments.of(bad, HttpMethod.GET, "/sync/todo/_changes?since=0")));
  }

  @ParameterizedTest(name = "{0} on {1} {2}")
  @MethodSource("everyWayIn")
  void aBadTokenIs401WithItsReason(Bad bad, HttpMethod method, String uri) {
    Response response = stack.http.send(method, stack.port(), uri, Http.bearer(bad.token().get()), null);

    assertThat(response.status()).as(response.toString()).isEqualTo(401);
    assertThat(response.json().getString("error")).isEqualTo("unauthorized");
    assertThat(response.json().getString("reason")).isEqualTo(bad.reason());
    assertThat(response.header("www-authenticate")).startsWith("Bearer realm=\"syncgate\", error=\"invalid_token\"");
  }

  @Test
  void theCatalogueHasAtLeastFortyTokens() {
    assertThat(catalogue().count()).isGreaterThanOrEqualTo(40);
  }

  @Test
  void theGoodTokenTheCatalogueSpoilsGetsIn() {
    Response response = stack.http.send(HttpMethod.POST, stack.port(), "/sync/todo/_session",
        Http.bearer(signed(good())), null);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    // The sign-in wrote to SG, as it should: only bad tokens must leave no trace.
    stack.sg.forgetRequests();
  }

  private static Bad bad(String name, Supplier<String> token, String reason) {
    return new Bad(name, token, reason);
  }

  /** What a token the rules accept carries: issuer, audience, azp, a verified email, an hour to live. */
  private static JWTClaimsSet.Builder good() {
    return new JWTClaimsSet.Builder()
        .issuer(stack.idp.issuer(TestStack.ISSUER_ID))
        .subject("victim")
        .audience(TestStack.AUDIENCE)
        .claim("azp", CLIENT)
        .claim("email_verified", true)
        .expirationTime(in(3600));
  }

  private static Date in(long seconds) {
    return Date.from(stack.clock.instant().plusSeconds(seconds));
  }

  private static String signed(JWTClaimsSet.Builder claims) {
    return stack.idp.sign(TestStack.ISSUER_ID, claims.build());
  }

  private static Supplier<String> claims(UnaryOperator<JWTClaimsSet.Builder> change) {
    return () -> signed(change.apply(good()));
  }

  private static Supplier<String> header(UnaryOperator<JWSHeader.Builder> change) {
    return () -> stack.idp.sign(TestStack.ISSUER_ID, change, good().build());
  }

  private static String stranger(UnaryOperator<JWSHeader.Builder> change) {
    try {
      RSAKey key = new RSAKeyGenerator(2048).keyID("stranger").generate();
      SignedJWT jwt = new SignedJWT(change.apply(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("stranger")).build(),
          good().build());
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String strangerWithEmbeddedKey() {
    try {
      RSAKey key = new RSAKeyGenerator(2048).keyID("stranger").generate();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("stranger")
          .jwk(key.toPublicJWK()).build(), good().build());
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hmac() {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).build(), good().build());
      jwt.sign(new com.nimbusds.jose.crypto.MACSigner(new byte[32]));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String withHeader(String json) {
    String token = signed(good());
    return Base64URL.encode(json) + token.substring(token.indexOf('.'));
  }

  private static String withPayload(String payload) {
    String token = signed(good());
    String[] parts = token.split("\\.");
    return parts[0] + "." + payload + "." + parts[2];
  }

  private static String tamperPayload(String token) {
    String[] parts = token.split("\\.");
    String claims = new Base64URL(parts[1]).decodeToString().replace("\"victim\"", "\"admin1\"");
    return parts[0] + "." + Base64URL.encode(claims) + "." + parts[2];
  }

  private static String cut(String token, int characters) {
    return token.substring(0, token.length() - characters);
  }

  private static String swappedSignature() {
    String token = signed(good());
    String other = signed(good().subject("someone-else"));
    return token.substring(0, token.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
  }
}
