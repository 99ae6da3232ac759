package io.syncgate.session;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.cookie.ClientCookieDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.syncgate.config.CookiePolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Writes the backend session cookies clients see, always on Syncgate's terms: HttpOnly, Secure
 * and SameSite as configured, no Domain, and a Path under the base path the client uses.
 */
final class SessionCookies {

  /** RFC 6265 §4.1.1 cookie-octets (unquoted), and the token characters of a name. */
  private static final Pattern VALUE = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]*");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Pattern PATH = Pattern.compile("/[\\x20-\\x3A\\x3C-\\x7E]*");

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private final CookiePolicy policy;
  private final String basePath;
  private final Clock clock;

  SessionCookies(CookiePolicy policy, String basePath, Clock clock) {
    this.policy = policy;
    this.basePath = basePath;
    this.clock = clock;
  }

  /**
   * The value of cookie {@code name} in a request's {@code Cookie} headers, or null: the one
   * reading of them that both authentication and forwarding use. Pairs are separated by
   * {@code ;} only (RFC 6265 §5.4, and Sync Gateway's own parser); a comma is part of a value. When
   * the name appears more than once the first wins, as at SG: RFC 6265 orders the most specific
   * path first.
   */
  static String find(List<String> cookieHeaders, String name) {
    for (String header : cookieHeaders) {
      for (String pair : header.split(";")) {
        int equals = pair.indexOf('=');
        if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
          return pair.substring(equals + 1).trim();
        }
      }
    }
    return null;
  }

  /** A {@code Set-Cookie} that makes the client forget its cookie {@code name} under {@code path}. */
  String expire(String name, String path) {
    return encode(name, "", path, Instant.EPOCH);
  }

  /** The {@code Set-Cookie} for a session the client will present under {@code path}. */
  public String issue(String name, String value, String path, Instant expires) {
    return encode(name, value, path, expires);
  }

  /**
   * A backend {@code Set-Cookie} made fit for the client: Sync Gateway writes {@code Path=/{db}},
   * which the client reaches as {@code {base}/{db}}. Returns null for a header that cannot be read.
   */
  public String rewrite(String backendSetCookie) {
    Cookie cookie = ClientCookieDecoder.LAX.decode(backendSetCookie);
    if (cookie == null) {
      return null;
    }
    String backendPath = cookie.path() == null || !cookie.path().startsWith("/") ? "/" : cookie.path();
    String path = basePath.isEmpty() ? backendPath : basePath + (backendPath.equals("/") ? "" : backendPath);
    return encode(cookie.name(), cookie.value(), path, expiry(backendSetCookie));
  }

  /** RFC 6265 §5.3: Max-Age wins over Expires; neither means a cookie for the browser session. */
  private Instant expiry(String setCookie) {
    Instant expires = null;
    for (String attribute : setCookie.split(";")) {
      int eq = attribute.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String name = attribute.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = attribute.substring(eq + 1).trim();
      if (name.equals("max-age")) {
        try {
          return clock.instant().plusSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException e) {
          // RFC 6265 §5.2.2: an unparsable Max-Age is ignored.
        }
      } else if (name.equals("expires")) {
        Date date = DateFormatter.parseHttpDate(value);
        expires = date == null ? null : date.toInstant();
      }
    }
    return expires;
  }

  private String encode(String name, String value, String path, Instant expires) {
    if (!NAME.matcher(name).matches() || !VALUE.matcher(value).matches() || !PATH.matcher(path).matches()) {
      throw new IllegalArgumentException("cookie name, value or path has characters a cookie cannot carry");
    }
    StringBuilder header = new StringBuilder(name).append('=').append(value).append("; Path=").append(path);
    if (expires != null) {
      long maxAge = Math.max(0, expires.getEpochSecond() - clock.instant().getEpochSecond());
      header.append("; Expires=").append(HTTP_DATE.format(expires))
          .append("; Max-Age=").append(maxAge);
    }
    header.append("; HttpOnly");
    if (policy.secure()) {
      header.append("; Secure");
    }
    return header.append("; SameSite=").append(policy.sameSite().attribute()).toString();
  }
}
