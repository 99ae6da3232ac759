package io.syncgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of configuration keys from the YAML tree, each overridable by an environment
 * variable. Reads never throw: every problem is collected, so one start reports all of them.
 * Keys are dotted paths ({@code oidc.issuer}); the override is {@code SYNCGATE_OIDC_ISSUER}.
 */
final class ConfigReader {

  /** {@code //user:password@} in anything that looks like a URL. */
  private static final Pattern USER_INFO = Pattern.compile("(//)[^/@\\s]*@");
  private static final Pattern ENTRY = Pattern.compile("(\\d{1,3})_.+");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private final Map<String, JsonNode> yaml = new LinkedHashMap<>();
  private final Map<String, Integer> entries = new LinkedHashMap<>();
  private final Map<String, String> env;
  private final Set<String> read = new TreeSet<>();
  private final List<String> problems = new ArrayList<>();

  ConfigReader(JsonNode root, Map<String, String> env) {
    this.env = Map.copyOf(env);
    if (root != null && !root.isNull() && !root.isMissingNode()) {
      if (root.isObject()) {
        flatten("", root);
      } else {
        problems.add("configuration file: expected a mapping of keys at the top level");
      }
    }
  }

  static String envName(String key) {
    return "SYNCGATE_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  String string(String key, String defaultValue) {
    Raw raw = raw(key);
    if (raw == null) {
      if (defaultValue == null) {
        missing(key);
      }
      return defaultValue;
    }
    if (raw.text().isBlank()) {
      problem(raw, "is empty: a value is required");
      return defaultValue;
    }
    return raw.text();
  }

  /** An optional string: null when unset. */
  String optional(String key) {
    Raw raw = raw(key);
    return raw == null || raw.text().isBlank() ? null : raw.text();
  }

  int integer(String key, int defaultValue, int min, int max) {
    Raw raw = raw(key);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.text().trim());
      if (value < min || value > max) {
        problem(raw, "out of range: must be between " + min + " and " + max);
        return defaultValue;
      }
      return value;
    } catch (NumberFormatException e) {
      problem(raw, "not a whole number");
      return defaultValue;
    }
  }

  boolean bool(String key, boolean defaultValue) {
    Raw raw = raw(key);
    if (raw == null) {
      return defaultValue;
    }
    return switch (raw.text().trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> {
        problem(raw, "not a boolean: use true or false");
        yield defaultValue;
      }
    };
  }

  /** Durations read as a number and a unit: {@code 250ms}, {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}. */
  Duration duration(String key, Duration defaultValue, Duration min) {
    Raw raw = raw(key);
    if (raw == null) {
      return defaultValue;
    }
    Matcher m = DURATION.matcher(raw.text().trim());
    if (!m.matches()) {
      problem(raw, "not a duration: write a number and a unit (ms, s, m, h, d), e.g. 30s");
      return defaultValue;
    }
    long amount = Long.parseLong(m.group(1));
    Duration value = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
    if (value.compareTo(min) < 0) {
      problem(raw, "too short: must be at least " + min.toString().substring(2).toLowerCase(Locale.ROOT));
      return defaultValue;
    }
    return value;
  }

  /** A list from a YAML sequence, or from a comma-separated environment value. */
  List<String> list(String key, List<String> defaultValue) {
    Raw raw = raw(key);
    if (raw == null) {
      if (defaultValue == null) {
        missing(key);
        return List.of();
      }
      return defaultValue;
    }
    List<String> items = new ArrayList<>();
    for (String item : raw.items()) {
      if (!item.isBlank()) {
        items.add(item.trim());
      }
    }
    if (items.isEmpty() && defaultValue == null) {
      problem(raw, "is empty: at least one value is required");
    }
    return List.copyOf(items);
  }

  /** An absolute http(s) URL with no query or fragment; trailing slashes are dropped. */
  URI httpUrl(String key) {
    Raw raw = raw(key);
    if (raw == null) {
      missing(key);
      return null;
    }
    String text = raw.text().trim();
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        problem(raw, "unsupported scheme: use an http:// or https:// URL");
      } else if (uri.getHost() == null) {
        problem(raw, "has no host");
      } else if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
        problem(raw, "must not carry a query, fragment or user info");
      } else {
        return uri;
      }
    } catch (URISyntaxException e) {
      problem(raw, "not a URL");
    }
    return null;
  }

  /**
   * An environment variable read by something other than this configuration (the logging set-up),
   * checked here so that a wrong value fails the start like any other.
   */
  void environmentChoice(String name, List<String> allowed) {
    String value = env.get(name);
    if (value != null && !allowed.contains(value)) {
      problems.add(name + " " + quote(value) + ": not one of " + allowed);
    }
  }

  /** A problem with {@code value} of {@code key} (one item of a list, say); an empty value is not shown. */
  void problem(String key, String value, String problem) {
    Raw raw = raw(key);
    String origin = raw != null ? raw.origin() : key;
    String shown = value.isEmpty() ? "" : " " + (key.endsWith("password") ? "\"…\"" : quote(value));
    problems.add(origin + shown + ": " + problem);
  }

  /** Problems found so far, plus every YAML key that no read asked for (usually a typo). */
  List<String> problems() {
    List<String> all = new ArrayList<>(problems);
    for (String key : yaml.keySet()) {
      if (!read.contains(key)) {
        all.add(key + ": unknown key: see docs/configuration.md for the keys Syncgate reads");
      }
    }
    return all;
  }

  Set<String> keysRead() {
    return Set.copyOf(read);
  }

  private void missing(String key) {
    problems.add(key + ": missing: a value is required (or set " + envName(key) + ")");
  }

  private void problem(Raw raw, String problem) {
    String shown = raw.secret() ? "\"…\"" : quote(raw.text());
    problems.add(raw.origin() + " " + shown + ": " + problem);
  }

  /** A value as a problem shows it, with any URL's user info (a password, say) blanked. */
  private static String quote(String value) {
    return "\"" + USER_INFO.matcher(value).replaceAll("$1…@") + "\"";
  }

  private Raw raw(String key) {
    read.add(key);
    boolean secret = key.endsWith("password") || key.contains("secret");
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) {
      return new Raw(key + " (from " + envName(key) + ")", fromEnv, List.of(fromEnv.split(",")), secret);
    }
    JsonNode node = yaml.get(key);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(item -> items.add(item.asText()));
      return new Raw(key, String.join(",", items), items, secret);
    }
    return new Raw(key, node.asText(), List.of(node.asText().split(",")), secret);
  }

  private void flatten(String prefix, JsonNode node) {
    node.fields().forEachRemaining(field -> {
      String key = prefix + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flatten(key + ".", value);
      } else if (value.isArray() && !value.isEmpty() && value.get(0).isObject()) {
        // A list of objects: entry i's keys become key.i.*, read (and refused if unknown) like any other.
        entries.put(key, value.size());
        for (int i = 0; i < value.size(); i++) {
          if (value.get(i).isObject()) {
            flatten(key + "." + i + ".", value.get(i));
          } else {
            problems.add(key + "." + i + ": expected a mapping of keys, like the other entries");
          }
        }
      } else {
        yaml.put(key, value);
      }
    });
  }

  /**
   * How many entries a list of objects has: in the file, or in the environment, where entry i's
   * key {@code k} is {@code SYNCGATE_<LIST>_<i>_<K>}.
   */
  int entries(String key) {
    read.add(key);
    int count = entries.getOrDefault(key, 0);
    String prefix = envName(key) + "_";
    for (String name : env.keySet()) {
      if (name.startsWith(prefix)) {
        Matcher index = ENTRY.matcher(name.substring(prefix.length()));
        if (index.matches()) {
          count = Math.max(count, Integer.parseInt(index.group(1)) + 1);
        }
      }
    }
    return count;
  }

  private record Raw(String origin, String text, List<String> items, boolean secret) {}
}
