package io.syncgate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every problem found in one configuration, each as key, quoted value, problem and rule:
 * {@code listen.port "99999": out of range: must be between 0 and 65535}. A key set from the
 * environment says so; secrets and the user info of URLs are never shown. Beside the list sit the
 * checks of bound values that the loader runs on every key: each returns a usable value (the
 * default, when the value is wrong) so that checking goes on.
 */
final class Problems {

  /** {@code //user:password@} in anything that looks like a URL, up to its last {@code @}. */
  private static final Pattern USER_INFO = Pattern.compile("(//)\\S*@");
  private static final String SINGLE_ISSUER = "oidc.issuers.0.";

  private final List<String> all = new ArrayList<>();
  private final Map<String, String> fromEnv;
  private final boolean singleIssuer;

  /**
   * @param fromEnv the keys set from the environment, by key, with the variable that set each
   * @param singleIssuer whether the one issuer was written under {@code oidc} itself: its keys are
   *     then shown as {@code oidc.*}, as written, not as the entry they were bound into
   */
  Problems(Map<String, String> fromEnv, boolean singleIssuer) {
    this.fromEnv = Map.copyOf(fromEnv);
    this.singleIssuer = singleIssuer;
  }

  List<String> all() {
    return List.copyOf(all);
  }

  boolean isEmpty() {
    return all.isEmpty();
  }

  /** A problem that belongs to no key (the file itself, or a variable read elsewhere). */
  void add(String problem) {
    all.add(problem);
  }

  /** A problem with {@code value} of {@code key} (one item of a list, say); an empty value is not shown. */
  void add(String key, String value, String problem) {
    String shown = key;
    String variable = fromEnv.get(display(key));
    if (variable != null) {
      shown += " (from " + variable + ")";
    }
    if (value != null && !value.isEmpty()) {
      shown += " " + (isSecret(key) ? "\"…\"" : quote(value));
    }
    all.add(display(shown) + ": " + problem);
  }

  String display(String key) {
    return singleIssuer && key.startsWith(SINGLE_ISSUER) ? "oidc." + key.substring(SINGLE_ISSUER.length()) : key;
  }

  void missing(String key) {
    add(key, "", "missing: a value is required (or set " + ConfigBinder.envName(display(key)) + ")");
  }

  /** A required value, or one with a default; blank is never a value. */
  String text(String key, String value, String defaultValue) {
    if (value == null) {
      if (defaultValue == null) {
        missing(key);
      }
      return defaultValue;
    }
    if (value.isBlank()) {
      add(key, "", "is empty: a value is required");
      return defaultValue;
    }
    return value;
  }

  /** An optional value: null when unset or blank. */
  static String optional(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  static boolean bool(Boolean value, boolean defaultValue) {
    return value != null ? value : defaultValue;
  }

  int integer(String key, Integer value, int defaultValue, int min, int max) {
    if (value == null) {
      return defaultValue;
    }
    if (value < min || value > max) {
      add(key, value.toString(), "out of range: must be between " + min + " and " + max);
      return defaultValue;
    }
    return value;
  }

  Duration duration(String key, Duration value, Duration defaultValue, Duration min) {
    if (value == null) {
      return defaultValue;
    }
    if (value.compareTo(min) < 0) {
      add(key, text(value), "too short: must be at least " + text(min));
      return defaultValue;
    }
    return value;
  }

  /** A duration as configuration writes it, in its largest whole unit: {@code 90m}, {@code 250ms}. */
  static String text(Duration value) {
    if (value.compareTo(ConfigBinder.MAX_DURATION) > 0) {
      return value.toDays() + "d";
    }
    long millis = value.toMillis();
    if (millis == 0 || millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    } else if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
  }

  /** A list, its items trimmed and blanks dropped; with no default it is required and must not be empty. */
  List<String> list(String key, List<String> value, List<String> defaultValue) {
    if (value == null) {
      if (defaultValue == null) {
        missing(key);
        return List.of();
      }
      return defaultValue;
    }
    List<String> items = new ArrayList<>();
    for (String item : value) {
      if (item != null && !item.isBlank()) {
        items.add(item.trim());
      }
    }
    if (items.isEmpty() && defaultValue == null) {
      add(key, "", "is empty: at least one value is required");
    }
    return List.copyOf(items);
  }

  /** An absolute http(s) URL with no query, fragment or user info; trailing slashes are dropped. */
  URI httpUrl(String key, String value) {
    if (value == null) {
      missing(key);
      return null;
    }
    String text = value.trim();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        add(key, value, "unsupported scheme: use an http:// or https:// URL");
      } else if (uri.getHost() == null) {
        add(key, value, "has no host");
      } else if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
        add(key, value, "must not carry a query, fragment or user info");
      } else {
        return uri;
      }
    } catch (URISyntaxException e) {
      add(key, value, "not a URL");
    }
    return null;
  }

  private static boolean isSecret(String key) {
    return key.endsWith("password") || key.contains("secret");
  }

  /** A value as a problem shows it, with any URL's user info (a password, say) blanked. */
  static String quote(String value) {
    return "\"" + USER_INFO.matcher(value).replaceAll("$1…@") + "\"";
  }
}
