package io.syncgate.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.syncgate.config.CookiePolicy.SameSite;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads the configuration: YAML file, then {@code SYNCGATE_*} environment overrides, then
 * validation that reports every problem at once, each naming its key. Nothing here has side effects,
 * so {@code --check-config} can run it alone.
 */
public final class ConfigLoader {

  /** Sync Gateway database names (its {@code dbNameRegex}, without '/', which would split our paths). */
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_$()+-]*");
  /** Segments of RFC 3986 unreserved characters: nothing to decode, nothing a route or cookie treats specially. */
  private static final Pattern BASE_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
  private static final Pattern USERNAME_PREFIX = Pattern.compile("[A-Za-z0-9_.@+-]{0,32}");
  private static final Pattern COOKIE_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final List<String> ASYMMETRIC_ALGORITHMS = OidcConfig.SUPPORTED_ALGORITHMS;
  /** Hosts an http:// issuer may have without oidc.allow_insecure_http: this machine, for development. */
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private ConfigLoader() {}

  /** Loads {@code file} (may be null: then every required key must come from the environment). */
  public static SyncgateConfig load(Path file, Map<String, String> env) throws ConfigException {
    if (file == null) {
      return parse("", env);
    }
    try {
      return parse(Files.readString(file), env);
    } catch (IOException e) {
      throw new ConfigException(List.of("configuration file " + file + ": cannot be read: " + e.getMessage()));
    }
  }

  public static SyncgateConfig parse(String yaml, Map<String, String> env) throws ConfigException {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(List.of("configuration file: not valid YAML: " + e.getOriginalMessage()));
    }
    ConfigReader in = new ConfigReader(root, env);
    SyncgateConfig config = read(in);
    List<String> problems = in.problems();
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  /** Every key Syncgate reads, in dotted form; docs/configuration.md documents each. */
  static Set<String> keys() {
    ConfigReader in = new ConfigReader(null, Map.of());
    read(in);
    return in.keysRead();
  }

  /** Reads every key; the result is null when {@code in} has collected problems. */
  private static SyncgateConfig read(ConfigReader in) {
    Listener listen = listener(in, "listen", SyncgateConfig.DEFAULT_LISTEN_HOST, SyncgateConfig.DEFAULT_LISTEN_PORT);
    String basePath = basePath(in);
    Listener management = listener(in, "management",
        SyncgateConfig.DEFAULT_MANAGEMENT_HOST, SyncgateConfig.DEFAULT_MANAGEMENT_PORT);
    List<OidcConfig> issuers = oidc(in);
    SyncGatewayConfig syncGateway = syncGateway(in);
    SessionPolicy session = session(in);
    CookiePolicy cookie = cookie(in);
    AccessPolicy access = new AccessPolicy(
        in.bool("access.allow_guest", AccessPolicy.DEFAULT_ALLOW_GUEST),
        in.bool("access.allow_password_login", AccessPolicy.DEFAULT_ALLOW_PASSWORD_LOGIN));

    PouchDbPolicy pouchDb = pouchDb(in, syncGateway);
    Map<String, Provisioning> provisioning = provisioning(in, syncGateway);
    InboundLimits inbound = new InboundLimits(
        in.integer("listen.max_url_length", InboundLimits.DEFAULT_MAX_URL_LENGTH, 256, 1 << 20),
        in.integer("listen.max_header_bytes", InboundLimits.DEFAULT_MAX_HEADER_BYTES, 1024, 1 << 20),
        in.integer("listen.max_headers", InboundLimits.DEFAULT_MAX_HEADERS, 8, 10_000),
        in.integer("listen.max_body_bytes", InboundLimits.DEFAULT_MAX_BODY_BYTES, 0, 1 << 24),
        in.duration("listen.header_timeout", InboundLimits.DEFAULT_HEADER_TIMEOUT, Duration.ofMillis(100)),
        in.duration("listen.idle_timeout", InboundLimits.DEFAULT_IDLE_TIMEOUT, Duration.ofMillis(100)),
        in.duration("listen.body_timeout", InboundLimits.DEFAULT_BODY_TIMEOUT, Duration.ofMillis(100)),
        in.integer("listen.max_connections", InboundLimits.AUTO, 1, 10_000_000));
    ShutdownPolicy shutdown = new ShutdownPolicy(
        in.duration("shutdown.drain_timeout", ShutdownPolicy.DEFAULT_DRAIN_TIMEOUT, Duration.ZERO));

    in.environmentChoice("SYNCGATE_LOG_FORMAT", List.of("text", "json"));
    if (!in.problems().isEmpty()) {
      return null;
    }
    return new SyncgateConfig(listen, basePath, management, issuers, syncGateway, session, cookie, access, pouchDb,
        provisioning, inbound, shutdown);
  }

  private static Listener listener(ConfigReader in, String section, String host, int port) {
    return new Listener(in.string(section + ".host", host), in.integer(section + ".port", port, 0, 65535));
  }

  private static String basePath(ConfigReader in) {
    String value = in.string("listen.base_path", SyncgateConfig.DEFAULT_BASE_PATH);
    String trimmed = value.endsWith("/") && value.length() > 1 ? value.substring(0, value.length() - 1) : value;
    if (trimmed.equals("/")) {
      return "";
    }
    if (!BASE_PATH.matcher(trimmed).matches() || trimmed.contains("/./") || trimmed.contains("/../")
        || trimmed.endsWith("/.") || trimmed.endsWith("/..")) {
      in.problem("listen.base_path", value,
          "not a plain path: start with '/', use letters, digits and -._~ only, no dot segments");
      return "";
    }
    return trimmed;
  }

  /** Settings every issuer shares: clocks and the way keys are fetched. */
  private record KeySettings(Duration skew, Duration ttl, Duration cooldown, Duration timeout, Duration minTtl,
      Duration staleness) {}

  /**
   * The identity providers: one under {@code oidc.*} ({@code oidc.issuer} and its keys), or
   * several as a list under {@code oidc.issuers}, each with its own prefix so that two providers'
   * users never share a Sync Gateway user. A token is routed to its provider by its {@code iss}.
   */
  private static List<OidcConfig> oidc(ConfigReader in) {
    var skew = in.duration("oidc.clock_skew", OidcConfig.DEFAULT_CLOCK_SKEW, Duration.ZERO);
    if (skew.compareTo(OidcConfig.MAX_CLOCK_SKEW) > 0) {
      in.problem("oidc.clock_skew", in.string("oidc.clock_skew", ""),
          "too long: at most 5m (a longer skew keeps expired tokens alive)");
    }
    var ttl = in.duration("oidc.jwks_cache_ttl", OidcConfig.DEFAULT_JWKS_CACHE_TTL, Duration.ofSeconds(1));
    var minTtl = in.duration("oidc.jwks_min_ttl", OidcConfig.DEFAULT_JWKS_MIN_TTL, Duration.ofSeconds(1));
    if (minTtl.compareTo(ttl) > 0) {
      in.problem("oidc.jwks_min_ttl", in.string("oidc.jwks_min_ttl", ""), "longer than oidc.jwks_cache_ttl, its upper bound");
    }
    var staleness = in.duration("oidc.jwks_max_staleness", OidcConfig.DEFAULT_JWKS_MAX_STALENESS, Duration.ofMinutes(1));
    var cooldown = in.duration("oidc.jwks_refetch_cooldown",
        OidcConfig.DEFAULT_JWKS_REFETCH_COOLDOWN, OidcConfig.MIN_JWKS_REFETCH_COOLDOWN);
    var timeout = in.duration("oidc.http_timeout", OidcConfig.DEFAULT_HTTP_TIMEOUT, Duration.ofMillis(1));
    KeySettings keys = new KeySettings(skew, ttl, cooldown, timeout, minTtl, staleness);

    int listed = in.entries("oidc.issuers");
    if (listed == 0) {
      OidcConfig single = issuer(in, "oidc.", keys);
      return single == null ? List.of() : List.of(single);
    }
    if (in.optional("oidc.issuer") != null) {
      in.problem("oidc.issuer", in.optional("oidc.issuer"), "set beside oidc.issuers: list every issuer there");
    }
    List<OidcConfig> issuers = new ArrayList<>();
    for (int i = 0; i < listed; i++) {
      OidcConfig issuer = issuer(in, "oidc.issuers." + i + ".", keys);
      if (issuer != null) {
        issuers.add(issuer);
      }
    }
    if (listed > 1) {
      Map<String, Integer> prefixes = new HashMap<>();
      Map<String, Integer> names = new HashMap<>();
      for (int i = 0; i < listed; i++) {
        String key = "oidc.issuers." + i + ".";
        String prefix = in.optional(key + "username_prefix");
        if (prefix == null) {
          in.problem(key + "username_prefix", "", "required when there are several issuers, so that their users"
              + " never share a Sync Gateway user (e.g. staff_, app_)");
        } else if (prefixes.putIfAbsent(prefix, i) != null) {
          in.problem(key + "username_prefix", prefix, "the same as issuer " + prefixes.get(prefix) + "'s: prefixes must differ");
        }
        String name = in.optional(key + "issuer");
        if (name != null && names.putIfAbsent(name, i) != null) {
          in.problem(key + "issuer", name, "listed twice (also issuer " + names.get(name) + ")");
        }
      }
    }
    return issuers.size() == listed ? List.copyOf(issuers) : List.of();
  }

  private static OidcConfig issuer(ConfigReader in, String key, KeySettings keys) {
    URI issuerUrl = in.httpUrl(key + "issuer");
    // Keep the issuer exactly as written: `iss` is compared character for character.
    String issuer = issuerUrl == null ? "" : in.string(key + "issuer", "");
    List<String> audiences = in.list(key + "audiences", null);
    String usernameClaim = in.string(key + "username_claim", OidcConfig.DEFAULT_USERNAME_CLAIM);
    String usernamePrefix = in.string(key + "username_prefix", "");
    if (!USERNAME_PREFIX.matcher(usernamePrefix).matches()) {
      in.problem(key + "username_prefix", usernamePrefix,
          "not a user-name prefix: at most 32 letters, digits and _ . @ + -, so every name stays valid in SG");
    }
    List<String> algorithms = in.list(key + "algorithms", OidcConfig.DEFAULT_ALGORITHMS);
    List<String> accepted = new ArrayList<>();
    for (String algorithm : algorithms) {
      String upper = algorithm.toUpperCase(Locale.ROOT);
      if (upper.equals("NONE")) {
        in.problem(key + "algorithms", algorithm, "unsigned tokens are never accepted");
      } else if (upper.startsWith("HS")) {
        in.problem(key + "algorithms", algorithm,
            "HMAC algorithms cannot be verified with an identity provider's public keys");
      } else if (!ASYMMETRIC_ALGORITHMS.contains(algorithm)) {
        in.problem(key + "algorithms", algorithm, "unsupported: choose from " + ASYMMETRIC_ALGORITHMS);
      } else {
        accepted.add(algorithm);
      }
    }
    if (algorithms.isEmpty()) {
      in.problem(key + "algorithms", "", "is empty: at least one algorithm is required");
    }
    boolean insecure = in.bool(key + "allow_insecure_http", false);
    if (issuerUrl != null && issuerUrl.getScheme().equalsIgnoreCase("http") && !insecure
        && !LOOPBACK.contains(issuerUrl.getHost().toLowerCase(Locale.ROOT))) {
      in.problem(key + "issuer", issuer, "plain http: keys fetched over it can be forged on the way;"
          + " use https, or set " + key + "allow_insecure_http for a provider on a trusted network");
    }
    List<String> types = in.list(key + "accepted_types", OidcConfig.DEFAULT_ACCEPTED_TYPES);
    if (types.isEmpty()) {
      in.problem(key + "accepted_types", "", "is empty: list the token types to accept, e.g. [absent, JWT, at+jwt]");
    }
    List<String> parties = in.list(key + "authorized_parties", List.of());
    Map<String, String> required = new LinkedHashMap<>();
    for (String rule : in.list(key + "required_claims", List.of())) {
      int equals = rule.indexOf('=');
      if (equals <= 0 || equals == rule.length() - 1) {
        in.problem(key + "required_claims", rule, "not a claim=value rule, e.g. email_verified=true");
      } else {
        required.put(rule.substring(0, equals).trim(), rule.substring(equals + 1).trim());
      }
    }
    String jwksUri = null;
    if (in.optional(key + "jwks_uri") != null) {
      URI uri = in.httpUrl(key + "jwks_uri");
      if (uri != null && uri.getScheme().equalsIgnoreCase("http") && !insecure
          && !LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT))) {
        in.problem(key + "jwks_uri", uri.toString(), "plain http: keys fetched over it can be forged on the way;"
            + " use https, or set " + key + "allow_insecure_http");
      } else if (uri != null) {
        jwksUri = in.string(key + "jwks_uri", "");
      }
    }
    if (issuer.isEmpty() || audiences.isEmpty() || accepted.isEmpty()) {
      return null;
    }
    return new OidcConfig(issuer, Set.copyOf(audiences), usernameClaim, usernamePrefix,
        Set.copyOf(accepted), keys.skew(), keys.ttl(), keys.cooldown(), keys.timeout(), Set.copyOf(types),
        Set.copyOf(parties), required, keys.minTtl(), keys.staleness(), jwksUri);
  }

  private static SyncGatewayConfig syncGateway(ConfigReader in) {
    URI publicUrl = in.httpUrl("sync_gateway.public_url");
    URI adminUrl = in.httpUrl("sync_gateway.admin_url");
    String username = in.optional("sync_gateway.admin_username");
    String password = in.optional("sync_gateway.admin_password");
    if (username != null && password == null) {
      in.problem("sync_gateway.admin_password", "",
          "missing: required with sync_gateway.admin_username (or set "
              + ConfigReader.envName("sync_gateway.admin_password") + ")");
    } else if (username == null && password != null) {
      in.problem("sync_gateway.admin_username", "", "missing: required with sync_gateway.admin_password");
    }
    List<String> databases = in.list("sync_gateway.databases", null);
    for (String db : databases) {
      if (!DATABASE_NAME.matcher(db).matches()) {
        in.problem("sync_gateway.databases", db,
            "not a Sync Gateway database name: lowercase letter first, then a-z 0-9 _$()+-");
      }
    }
    if (databases.size() != databases.stream().distinct().count()) {
      in.problem("sync_gateway.databases", String.join(",", databases), "lists a database twice");
    }
    String cookieName = in.string("sync_gateway.session_cookie_name", SyncGatewayConfig.DEFAULT_SESSION_COOKIE_NAME);
    if (!COOKIE_NAME.matcher(cookieName).matches()) {
      in.problem("sync_gateway.session_cookie_name", cookieName, "not a valid cookie name (RFC 6265 token)");
    }
    var connect = in.duration("sync_gateway.connect_timeout",
        SyncGatewayConfig.DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1));
    var admin = in.duration("sync_gateway.admin_timeout",
        SyncGatewayConfig.DEFAULT_ADMIN_TIMEOUT, Duration.ofMillis(1));
    int maxConnections = in.integer("sync_gateway.max_connections", SyncGatewayConfig.AUTO, 1, 10_000_000);
    var requestTimeout = in.duration("sync_gateway.request_timeout",
        SyncGatewayConfig.DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1));
    var poolWait = in.duration("sync_gateway.pool_wait_timeout",
        SyncGatewayConfig.DEFAULT_POOL_WAIT_TIMEOUT, Duration.ofMillis(1));
    int adminMaxConnections = in.integer("sync_gateway.admin_max_connections",
        SyncGatewayConfig.DEFAULT_ADMIN_MAX_CONNECTIONS, 1, 10_000);
    if (publicUrl == null || adminUrl == null || databases.isEmpty() || (username == null) != (password == null)) {
      return null;
    }
    return new SyncGatewayConfig(publicUrl, adminUrl, username, password, databases, cookieName,
        connect, admin, requestTimeout, maxConnections, poolWait, adminMaxConnections);
  }

  /** {@code provisioning.{db}.*}, for each database served; one set of keys per database. */
  private static Map<String, Provisioning> provisioning(ConfigReader in, SyncGatewayConfig syncGateway) {
    Map<String, Provisioning> all = new LinkedHashMap<>();
    for (String db : syncGateway == null ? List.<String>of() : syncGateway.databases()) {
      String prefix = "provisioning." + db + ".";
      all.put(db, new Provisioning(
          in.bool(prefix + "auto_register", Provisioning.DEFAULT_AUTO_REGISTER),
          in.optional(prefix + "roles_claim"),
          in.optional(prefix + "channels_claim"),
          in.list(prefix + "roles", List.of()),
          in.list(prefix + "channels", List.of()),
          in.optional(prefix + "email_claim")));
    }
    return all;
  }

  private static SessionPolicy session(ConfigReader in) {
    List<String> secrets = new ArrayList<>();
    String current = in.optional("session.cookie_secret");
    List<String> previous = in.list("session.cookie_previous_secrets", List.of());
    if (current != null) {
      secrets.add(current);
    } else if (!previous.isEmpty()) {
      in.problem("session.cookie_previous_secrets", "", "needs session.cookie_secret, the secret that signs new cookies");
    }
    secrets.addAll(previous);
    for (String secret : secrets) {
      if (secret.length() < SessionPolicy.MIN_SECRET_LENGTH) {
        in.problem(current != null && secret.equals(current) ? "session.cookie_secret" : "session.cookie_previous_secrets",
            "", "too short: at least " + SessionPolicy.MIN_SECRET_LENGTH + " characters of a random string");
      }
    }
    return new SessionPolicy(
        in.duration("session.max_ttl", SessionPolicy.DEFAULT_MAX_TTL, Duration.ofSeconds(1)),
        in.integer("session.cache_max_entries", SessionPolicy.DEFAULT_CACHE_MAX_ENTRIES, 1, 10_000_000),
        secrets,
        in.bool("session.accept_unsigned_cookies", SessionPolicy.DEFAULT_ACCEPT_UNSIGNED_COOKIES),
        in.duration("session.revalidate_interval", SessionPolicy.DEFAULT_REVALIDATE_INTERVAL, Duration.ofSeconds(1)),
        in.integer("session.sign_ins_per_user_per_minute", SessionPolicy.DEFAULT_SIGN_INS_PER_USER_PER_MINUTE, 1, 1_000_000),
        in.integer("session.sign_ins_per_second", SessionPolicy.DEFAULT_SIGN_INS_PER_SECOND, 1, 1_000_000));
  }

  private static PouchDbPolicy pouchDb(ConfigReader in, SyncGatewayConfig syncGateway) {
    List<String> served = syncGateway == null ? List.of() : syncGateway.databases();
    List<String> databases = in.list("pouchdb.databases", served);
    for (String db : databases) {
      if (syncGateway != null && !served.contains(db)) {
        in.problem("pouchdb.databases", db, "not one of sync_gateway.databases");
      }
    }
    return new PouchDbPolicy(databases, in.bool("pouchdb.json_bulk_get", PouchDbPolicy.DEFAULT_JSON_BULK_GET));
  }

  private static CookiePolicy cookie(ConfigReader in) {
    boolean secure = in.bool("cookie.secure", CookiePolicy.DEFAULT_SECURE);
    String sameSiteText = in.string("cookie.same_site", CookiePolicy.DEFAULT_SAME_SITE.attribute());
    SameSite sameSite = CookiePolicy.DEFAULT_SAME_SITE;
    try {
      sameSite = SameSite.valueOf(sameSiteText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      in.problem("cookie.same_site", sameSiteText, "not a SameSite value: use Strict, Lax or None");
    }
    if (sameSite == SameSite.NONE && !secure) {
      in.problem("cookie.same_site", sameSiteText,
          "browsers drop SameSite=None cookies that are not Secure: set cookie.secure to true or use Lax");
      sameSite = SameSite.LAX;
    }
    return new CookiePolicy(secure, sameSite);
  }
}
