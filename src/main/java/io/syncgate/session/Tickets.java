package io.syncgate.session;

import io.syncgate.identity.LogoutSubject;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The value of a cookie session: Syncgate's own, not the backend's session id, so that it can
 * carry the deadline the token set and be checked on any instance without shared state. It is
 * {@code v1.<payload>.<mac>}: base64url JSON naming the database, user, backend session and
 * deadline (and the token's logout keys and {@code iat}, see {@link LogoutSubject}), and its
 * HMAC-SHA256 under the current secret. Tickets signed with a previous secret
 * are still accepted, so the secret can be rotated without signing everyone out.
 */
final class Tickets {

  private static final String VERSION = "v1";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final List<SecretKeySpec> keys = new ArrayList<>();
  /** One initialised Mac per key per thread: getting and keying one costs more than using it. */
  private final ThreadLocal<Mac[]> macs = ThreadLocal.withInitial(this::newMacs);

  /** @param secrets the current secret first, then previous ones still accepted */
  Tickets(List<String> secrets) {
    for (String secret : secrets) {
      keys.add(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("at least one secret is required");
    }
  }

  String sign(SessionRef session) {
    JsonObject fields = new JsonObject()
        .put("db", session.db())
        .put("u", session.username())
        .put("s", session.sessionId())
        .put("x", session.deadline().getEpochSecond());
    LogoutSubject origin = session.origin();
    if (origin != null) {
      // The token's logout keys (hashes, never its sub or sid) and iat, for a provider logout to end it on any instance.
      fields.put("k", origin.subjectKey()).put("p", origin.sessionKey()).put("i", origin.issuedAt().getEpochSecond());
    }
    String payload = ENCODER.encodeToString(fields.encode().getBytes(StandardCharsets.UTF_8));
    String signed = VERSION + "." + payload;
    return signed + "." + ENCODER.encodeToString(mac(0, signed));
  }

  /** Whether {@code value} has the shape of a ticket (as opposed to a bare backend session id). */
  static boolean looksLikeTicket(String value) {
    return value.startsWith(VERSION + ".");
  }

  /** The session a ticket names, or null when it was not signed by any of our secrets. */
  SessionRef verify(String value) {
    int last = value.lastIndexOf('.');
    if (!looksLikeTicket(value) || last <= VERSION.length() + 1) {
      return null;
    }
    String signed = value.substring(0, last);
    byte[] presented;
    try {
      presented = DECODER.decode(value.substring(last + 1));
    } catch (IllegalArgumentException e) {
      return null;
    }
    boolean valid = false;
    for (int key = 0; key < keys.size(); key++) {
      valid |= MessageDigest.isEqual(mac(key, signed), presented);
    }
    if (!valid) {
      return null;
    }
    try {
      JsonObject payload = new JsonObject(new String(DECODER.decode(signed.substring(VERSION.length() + 1)),
          StandardCharsets.UTF_8));
      LogoutSubject origin = payload.getLong("i") == null ? null : new LogoutSubject(payload.getString("k"),
          payload.getString("p"), Instant.ofEpochSecond(payload.getLong("i")));
      return new SessionRef(payload.getString("db"), payload.getString("u"), payload.getString("s"),
          Instant.ofEpochSecond(payload.getLong("x")), origin);
    } catch (DecodeException | IllegalArgumentException | NullPointerException | ClassCastException e) {
      return null;
    }
  }

  private byte[] mac(int key, String text) {
    // doFinal leaves the Mac reset and keyed, ready for the next use on this thread.
    return macs.get()[key].doFinal(text.getBytes(StandardCharsets.US_ASCII));
  }

  private Mac[] newMacs() {
    Mac[] all = new Mac[keys.size()];
    try {
      for (int i = 0; i < all.length; i++) {
        all[i] = Mac.getInstance("HmacSHA256");
        all[i].init(keys.get(i));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
    return all;
  }
}
