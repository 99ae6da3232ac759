package io.syncgate.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;

/**
 * A provider's signing key for one JWS algorithm, at the sizes providers use (RSA 2048, P-256,
 * Ed25519): signs tokens as the provider would and gives the public half its JWKS publishes.
 * Ed25519 tokens are signed with the JDK, since Nimbus's own signer for them needs Google Tink.
 */
final class SigningKey {

  private final JWSAlgorithm algorithm;
  private final JWK published;
  private final JWSSigner signer;
  private final PrivateKey ed25519;

  private SigningKey(JWSAlgorithm algorithm, JWK published, JWSSigner signer, PrivateKey ed25519) {
    this.algorithm = algorithm;
    this.published = published;
    this.signer = signer;
    this.ed25519 = ed25519;
  }

  /** A fresh key for {@code algorithm}: RS256, PS256, ES256 or EdDSA. */
  static SigningKey generate(String algorithm) {
    JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
    String kid = algorithm.toLowerCase() + "-2026-01";
    try {
      if (JWSAlgorithm.Family.RSA.contains(alg)) {
        RSAKey key = new RSAKeyGenerator(2048).keyID(kid).algorithm(alg).generate();
        return new SigningKey(alg, key.toPublicJWK(), new RSASSASigner(key), null);
      }
      if (alg.equals(JWSAlgorithm.ES256)) {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(alg).generate();
        return new SigningKey(alg, key.toPublicJWK(), new ECDSASigner(key), null);
      }
      if (alg.equals(JWSAlgorithm.EdDSA)) {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        // An X.509 Ed25519 public key ends with the 32 key bytes (RFC 8410), which are the JWK's x.
        Base64URL x = Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        JWK key = new OctetKeyPair.Builder(Curve.Ed25519, x).keyID(kid).algorithm(alg).build();
        return new SigningKey(alg, key, null, pair.getPrivate());
      }
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a " + algorithm + " key", e);
    }
    throw new IllegalArgumentException("no benchmark key for " + algorithm);
  }

  /** The public half, as the provider's JWKS publishes it. */
  JWK published() {
    return published;
  }

  /** A compact JWS over {@code claims}, with the header a provider writes: alg, kid, typ JWT. */
  String sign(JWTClaimsSet claims) {
    JWSHeader header = new JWSHeader.Builder(algorithm).keyID(published.getKeyID()).type(JOSEObjectType.JWT).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      if (signer != null) {
        jwt.sign(signer);
        return jwt.serialize();
      }
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(ed25519);
      signature.update(jwt.getSigningInput());
      return new String(jwt.getSigningInput(), StandardCharsets.US_ASCII) + "." + Base64URL.encode(signature.sign());
    } catch (JOSEException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a " + algorithm + " token", e);
    }
  }
}
