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
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;

/**
 * A provider's signing key for one JWS algorithm, at the sizes providers use (RSA 2048, P-256,
 * Ed25519): signs tokens as the provider would and gives the public half its JWKS publishes.
 * Ed25519 tokens are signed with the JDK, since Nimbus's own signer for them needs Google Tink.
 */
final class SigningKey {

  private final JWSAlgorithm algorithm;
  private final JWK published;
  private final PublicKey publicKey;
  private final JWSSigner signer;
  private final PrivateKey ed25519;

  private SigningKey(JWSAlgorithm algorithm, JWK published, PublicKey publicKey, JWSSigner signer, PrivateKey ed25519) {
    this.algorithm = algorithm;
    this.published = published;
    this.publicKey = publicKey;
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
        return new SigningKey(alg, key.toPublicJWK(), key.toRSAPublicKey(), new RSASSASigner(key), null);
      }
      if (alg.equals(JWSAlgorithm.ES256)) {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(alg).generate();
        return new SigningKey(alg, key.toPublicJWK(), key.toECPublicKey(), new ECDSASigner(key), null);
      }
      if (alg.equals(JWSAlgorithm.EdDSA)) {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        // An X.509 Ed25519 public key ends with the 32 key bytes (RFC 8410), which are the JWK's x.
        Base64URL x = Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        JWK key = new OctetKeyPair.Builder(Curve.Ed25519, x).keyID(kid).algorithm(alg).build();
        return new SigningKey(alg, key, pair.getPublic(), null, pair.getPrivate());
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

  /** The public key as the JDK holds it. */
  PublicKey publicKey() {
    return publicKey;
  }

  /** A JDK signature object for this algorithm, as JWS uses it (RFC 7518 §3), ready for a key. */
  Signature jdkSignature() throws GeneralSecurityException {
    String name = algorithm.getName();
    return switch (name) {
      case "RS256" -> Signature.getInstance("SHA256withRSA");
      case "PS256" -> {
        Signature pss = Signature.getInstance("RSASSA-PSS");
        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        yield pss;
      }
      // JWS carries R and S side by side (IEEE P1363), not in DER.
      case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
      case "EdDSA" -> Signature.getInstance("Ed25519");
      default -> throw new IllegalStateException("no JDK signature for " + name);
    };
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
