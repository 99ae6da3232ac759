package io.syncgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Which web origins may call one database from a browser, with credentials (cookies or a Bearer
 * token). An entry is an exact origin ({@code https://app.example.com}, {@code capacitor://localhost})
 * or a pattern whose leftmost host label is {@code *} ({@code https://*.example.com}: any subdomain,
 * not the domain itself). Nothing matches the opaque origin {@code null}.
 *
 * @param origins the allowed origins and patterns, lower-cased
 * @param maxAge how long a browser may cache a preflight's answer
 */
public record CorsPolicy(List<String> origins, Duration maxAge) {

  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

  public CorsPolicy {
    origins = origins.stream().map(origin -> origin.toLowerCase(Locale.ROOT)).toList();
  }

  /** No origin allowed: the database is for clients that are not web pages on another origin. */
  public static CorsPolicy none() {
    return new CorsPolicy(List.of(), DEFAULT_MAX_AGE);
  }

  public boolean allows(String origin) {
    if (origin == null || origin.isEmpty() || origins.isEmpty()) {
      return false;
    }
    String candidate = origin.toLowerCase(Locale.ROOT);
    for (String allowed : origins) {
      int wildcard = allowed.indexOf("://*.");
      if (wildcard < 0) {
        if (allowed.equals(candidate)) {
          return true;
        }
        continue;
      }
      String scheme = allowed.substring(0, wildcard + 3);
      String suffix = allowed.substring(wildcard + 4);
      if (candidate.startsWith(scheme) && candidate.endsWith(suffix)) {
        String label = candidate.substring(scheme.length(), candidate.length() - suffix.length());
        // One or more whole labels before the suffix; never a port or path smuggled in.
        if (!label.isEmpty() && label.chars().allMatch(c -> c == '.' || c == '-' || Character.isLetterOrDigit(c))
            && !label.startsWith(".") && !label.startsWith("-")) {
          return true;
        }
      }
    }
    return false;
  }
}
