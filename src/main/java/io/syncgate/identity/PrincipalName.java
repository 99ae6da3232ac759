package io.syncgate.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Turns a claim value into a backend user name that Sync Gateway accepts (no {@code / : , `},
 * at least one letter or digit, at most ~250 bytes, not {@code GUEST}) without ever mapping two
 * different values to one name, which would let one person sign in as another.
 *
 * <p>The mapping is percent-encoding: letters, digits and {@code _ . @ + -} stay, every other UTF-8
 * byte, {@code %} included, becomes {@code %XX}. That is injective, and common subjects (UUIDs,
 * numeric ids, e-mail addresses) stay readable. Three cases leave the plain encoding, each into
 * names the plain encoding never produces, so injectivity holds across all cases:
 * <ul>
 *   <li>a value with no letter or digit has every byte encoded (the plain encoding never encodes
 *       {@code _ . @ + -});</li>
 *   <li>{@code guest} in any case has its first letter encoded (the plain encoding never encodes
 *       a letter);</li>
 *   <li>a name over {@link #MAX_BYTES} becomes {@code ~sha256~<hex>} ({@code ~} is always encoded).</li>
 * </ul>
 */
public final class PrincipalName {

  static final int MAX_BYTES = 200;

  private PrincipalName() {}

  /** The backend name for {@code claimValue}, or null when the value is empty. */
  public static String from(String claimValue) {
    if (claimValue == null || claimValue.isEmpty()) {
      return null;
    }
    byte[] bytes = claimValue.getBytes(StandardCharsets.UTF_8);
    boolean hasAlphanumeric = false;
    for (byte b : bytes) {
      hasAlphanumeric |= isAlphanumeric(b);
    }
    StringBuilder name = new StringBuilder(bytes.length + 8);
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      boolean guestInitial = i == 0 && claimValue.toLowerCase(Locale.ROOT).equals("guest");
      if (hasAlphanumeric && !guestInitial && isKept(b)) {
        name.append((char) b);
      } else {
        name.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
      }
    }
    if (name.length() > MAX_BYTES) {
      return "~sha256~" + HexFormat.of().formatHex(sha256(bytes));
    }
    return name.toString();
  }

  private static boolean isKept(byte b) {
    return isAlphanumeric(b) || b == '_' || b == '.' || b == '@' || b == '+' || b == '-';
  }

  private static boolean isAlphanumeric(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
