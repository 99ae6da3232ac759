package io.syncgate.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
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
  /** scheme://host[:port], host a name (maybe {@code *.} first), IPv4 or [IPv6]. */
  private static final Pattern ORIGIN = Pattern.compile(
      "[A-Za-z][A-Za-z0-9+.-]*://(\\*\\.)?([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+])(:\\d{1,5})?");
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
      // A key written twice is a mistake to report, not a value to pick.
      root = new ObjectMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
          .readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(List.of(YamlSyntax.problem(e)));
    }
    ConfigBinder.Bound bound = new ConfigBinder().bind(root, env);
    Problems in = bound.problems();
    SyncgateConfig config = bound.file() == null ? null : check(bound.file(), in);
    String logFormat = env.get("SYNCGATE_LOG_FORMAT");
    if (logFormat != null && !List.of("text", "json").contains(logFormat)) {
      // Read by the logging set-up, checked here so that a wrong value fails the start like any other.
      in.add("SYNCGATE_LOG_FORMAT " + Problems.quote(logFormat) + ": not one of [text, json]");
    }
    if (!in.isEmpty()) {
      throw new ConfigException(in.all());
    }
    return config;
  }

  /** Every key Syncgate reads, in dotted form; docs/configuration.md documents each. */
  static Set<String> keys() {
    return new ConfigBinder().keys();
  }

  /** Checks every bound value and builds the configuration; what it returns is unusable if {@code in} has problems. */
  private static SyncgateConfig check(ConfigFile file, Problems in) {
    var listenFile = file.listen();
    var managementFile = file.management();
    Listener listen = new Listener(in.text("listen.host", listenFile.host(), SyncgateConfig.DEFAULT_LISTEN_HOST),
        in.integer("listen.port", listenFile.port(), SyncgateConfig.DEFAULT_LISTEN_PORT, 0, 65535));
    String basePath = basePath(in, listenFile.basePath());
    Listener management = new Listener(
        in.text("management.host", managementFile.host(), SyncgateConfig.DEFAULT_MANAGEMENT_HOST),
        in.integer("management.port", managementFile.port(), SyncgateConfig.DEFAULT_MANAGEMENT_PORT, 0, 65535));
    List<OidcConfig> issuers = oidc(in, file.oidc());
    SyncGatewayConfig syncGateway = syncGateway(in, file.syncGateway());
    SessionPolicy session = session(in, file.session());
    CookiePolicy cookie = cookie(in, file.cookie());
    var accessFile = file.access();
    AccessPolicy access = new AccessPolicy(
        Problems.bool(accessFile.allowGuest(), AccessPolicy.DEFAULT_ALLOW_GUEST),
        Problems.bool(accessFile.allowPasswordLogin(), AccessPolicy.DEFAULT_ALLOW_PASSWORD_LOGIN));

    PouchDbPolicy pouchDb = pouchDb(in, file.pouchdb(), syncGateway);
    Map<String, Provisioning> provisioning = provisioning(in, file.provisioning(), syncGateway);
    Map<String, CorsPolicy> cors = cors(in, file.cors(), syncGateway);
    InboundLimits inbound = new InboundLimits(
        in.integer("listen.max_url_length", listenFile.maxUrlLength(), InboundLimits.DEFAULT_MAX_URL_LENGTH, 256, 1 << 20),
        in.integer("listen.max_header_bytes", listenFile.maxHeaderBytes(), InboundLimits.DEFAULT_MAX_HEADER_BYTES,
            1024, 1 << 20),
        in.integer("listen.max_headers", listenFile.maxHeaders(), InboundLimits.DEFAULT_MAX_HEADERS, 8, 10_000),
        in.integer("listen.max_body_bytes", listenFile.maxBodyBytes(), InboundLimits.DEFAULT_MAX_BODY_BYTES, 0, 1 << 24),
        in.duration("listen.header_timeout", listenFile.headerTimeout(), InboundLimits.DEFAULT_HEADER_TIMEOUT,
            Duration.ofMillis(100)),
        in.duration("listen.idle_timeout", listenFile.idleTimeout(), InboundLimits.DEFAULT_IDLE_TIMEOUT,
            Duration.ofMillis(100)),
        in.duration("listen.body_timeout", listenFile.bodyTimeout(), InboundLimits.DEFAULT_BODY_TIMEOUT,
            Duration.ofMillis(100)),
        in.integer("listen.max_connections", listenFile.maxConnections(), InboundLimits.AUTO, 1, 10_000_000));
    var shutdownFile = file.shutdown();
    ShutdownPolicy shutdown = new ShutdownPolicy(in.duration("shutdown.drain_timeout", shutdownFile.drainTimeout(),
        ShutdownPolicy.DEFAULT_DRAIN_TIMEOUT, Duration.ZERO));
    Frontend frontend = new Frontend(publicOrigins(in, listenFile.publicOrigins()),
        trustedProxies(in, listenFile.trustedProxies()));
    int failedVerifications = in.integer("oidc.failed_verifications_per_client_per_minute",
        file.oidc().failedVerificationsPerClientPerMinute(),
        SyncgateConfig.DEFAULT_FAILED_VERIFICATIONS_PER_CLIENT_PER_MINUTE, 1, 1_000_000);
    Duration blockedLoop = in.duration("management.event_loop_blocked_timeout",
        managementFile.eventLoopBlockedTimeout(), SyncgateConfig.DEFAULT_EVENT_LOOP_BLOCKED_TIMEOUT,
        Duration.ofMillis(100));
    if (!in.isEmpty()) {
      return null;
    }
    return new SyncgateConfig(listen, basePath, management, issuers, syncGateway, session, cookie, access, pouchDb,
        provisioning, cors, inbound, shutdown, frontend, failedVerifications, blockedLoop);
  }

  private static String basePath(Problems in, String written) {
    String value = in.text("listen.base_path", written, SyncgateConfig.DEFAULT_BASE_PATH);
    String trimmed = value.endsWith("/") && value.length() > 1 ? value.substring(0, value.length() - 1) : value;
    if (trimmed.equals("/")) {
      return "";
    }
    if (!BASE_PATH.matcher(trimmed).matches() || trimmed.contains("/./") || trimmed.contains("/../")
        || trimmed.endsWith("/.") || trimmed.endsWith("/..")) {
      in.add("listen.base_path", value,
          "not a plain path: start with '/', use letters, digits and -._~ only, no dot segments");
      return "";
    }
    return trimmed;
  }

  /** {@code listen.public_origins}: exact origins, no patterns; compared as browsers write them. */
  private static List<String> publicOrigins(Problems in, List<String> written) {
    List<String> origins = new ArrayList<>();
    for (String origin : in.list("listen.public_origins", written, List.of())) {
      String lower = origin.toLowerCase(Locale.ROOT);
      if (!ORIGIN.matcher(origin).matches() || origin.contains("*") || !(lower.startsWith("https://")
          || lower.startsWith("http://"))) {
        in.add("listen.public_origins", origin, "not an origin: http(s)://host[:port], no path, pattern or trailing slash");
      } else {
        // Browsers send the default port's origin without its port.
        origins.add(lower.replaceFirst("^(https://[^/]+):443$", "$1").replaceFirst("^(http://[^/]+):80$", "$1"));
      }
    }
    return origins;
  }

  /** {@code listen.trusted_proxies}: addresses ({@code 10.0.0.5}, {@code ::1}) or CIDR ranges ({@code 10.0.0.0/8}). */
  private static List<AddressRange> trustedProxies(Problems in, List<String> written) {
    List<AddressRange> ranges = new ArrayList<>();
    for (String text : in.list("listen.trusted_proxies", written, List.of())) {
      AddressRange range = AddressRange.parse(text);
      if (range == null) {
        in.add("listen.trusted_proxies", text, "not an IP address or CIDR range (10.0.0.0/8, fd00::/8)");
      } else {
        ranges.add(range);
      }
    }
    return ranges;
  }

  /** Settings every issuer shares: clocks and the way keys are fetched. */
  private record KeySettings(Duration skew, Duration ttl, Duration cooldown, Duration timeout, Duration minTtl,
      Duration staleness) {}

  /**
   * The identity providers: one under {@code oidc.*} ({@code oidc.issuer} and its keys), or
   * several as a list under {@code oidc.issuers}, each with its own prefix so that two providers'
   * users never share a Sync Gateway user. A token is routed to its provider by its {@code iss}.
   * The binder has put the single form into the list too.
   */
  private static List<OidcConfig> oidc(Problems in, ConfigFile.Oidc oidc) {
    var skew = in.duration("oidc.clock_skew", oidc.clockSkew(), OidcConfig.DEFAULT_CLOCK_SKEW, Duration.ZERO);
    if (skew.compareTo(OidcConfig.MAX_CLOCK_SKEW) > 0) {
      in.add("oidc.clock_skew", Problems.text(skew), "too long: at most 5m (a longer skew keeps expired tokens alive)");
    }
    var ttl = in.duration("oidc.jwks_cache_ttl", oidc.jwksCacheTtl(), OidcConfig.DEFAULT_JWKS_CACHE_TTL,
        Duration.ofSeconds(1));
    var minTtl = in.duration("oidc.jwks_min_ttl", oidc.jwksMinTtl(), OidcConfig.DEFAULT_JWKS_MIN_TTL,
        Duration.ofSeconds(1));
    if (minTtl.compareTo(ttl) > 0) {
      in.add("oidc.jwks_min_ttl", Problems.text(minTtl), "longer than oidc.jwks_cache_ttl, its upper bound");
    }
    var staleness = in.duration("oidc.jwks_max_staleness", oidc.jwksMaxStaleness(),
        OidcConfig.DEFAULT_JWKS_MAX_STALENESS, Duration.ofMinutes(1));
    var cooldown = in.duration("oidc.jwks_refetch_cooldown", oidc.jwksRefetchCooldown(),
        OidcConfig.DEFAULT_JWKS_REFETCH_COOLDOWN, OidcConfig.MIN_JWKS_REFETCH_COOLDOWN);
    var timeout = in.duration("oidc.http_timeout", oidc.httpTimeout(), OidcConfig.DEFAULT_HTTP_TIMEOUT,
        Duration.ofMillis(1));
    KeySettings keys = new KeySettings(skew, ttl, cooldown, timeout, minTtl, staleness);

    List<ConfigFile.Issuer> listed = oidc.issuers() == null ? List.of() : oidc.issuers();
    if (listed.isEmpty()) {
      in.add("oidc.issuers", "", "is empty: list at least one issuer");
    }
    List<OidcConfig> issuers = new ArrayList<>();
    Map<String, Integer> prefixes = new HashMap<>();
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < listed.size(); i++) {
      String key = "oidc.issuers." + i + ".";
      ConfigFile.Issuer entry = listed.get(i);
      if (entry == null) {
        continue; // the binder has said why
      }
      OidcConfig issuer = issuer(in, key, entry, keys);
      if (issuer != null) {
        issuers.add(issuer);
      }
      if (listed.size() > 1) {
        String prefix = Problems.optional(entry.usernamePrefix());
        if (prefix == null) {
          in.add(key + "username_prefix", "", "required when there are several issuers, so that their users"
              + " never share a Sync Gateway user (e.g. staff_, app_)");
        } else if (prefixes.putIfAbsent(prefix, i) != null) {
          in.add(key + "username_prefix", prefix, "the same as issuer " + prefixes.get(prefix) + "'s: prefixes must differ");
        } else {
          // app_ and app_staff_ would both name app_staff_bob: the first's staff_bob, the second's bob.
          int self = i;
          prefixes.forEach((other, at) -> {
            if (at != self && (other.startsWith(prefix) || prefix.startsWith(other))) {
              in.add(key + "username_prefix", prefix, "begins, or is begun by, issuer " + at + "'s " + Problems.quote(other)
                  + ": one provider's users could then take another's names; choose prefixes neither of which starts the other");
            }
          });
        }
        String name = Problems.optional(entry.issuer());
        if (name != null && names.putIfAbsent(name, i) != null) {
          in.add(key + "issuer", name, "listed twice (also issuer " + names.get(name) + ")");
        }
      }
    }
    return issuers.size() == listed.size() ? List.copyOf(issuers) : List.of();
  }

  private static OidcConfig issuer(Problems in, String key, ConfigFile.Issuer entry, KeySettings keys) {
    URI issuerUrl = in.httpUrl(key + "issuer", entry.issuer());
    // Keep the issuer exactly as written: `iss` is compared character for character.
    String issuer = issuerUrl == null ? "" : entry.issuer();
    List<String> audiences = in.list(key + "audiences", entry.audiences(), null);
    String usernameClaim = in.text(key + "username_claim", entry.usernameClaim(), OidcConfig.DEFAULT_USERNAME_CLAIM);
    String usernamePrefix = in.text(key + "username_prefix", entry.usernamePrefix(), "");
    if (!USERNAME_PREFIX.matcher(usernamePrefix).matches()) {
      in.add(key + "username_prefix", usernamePrefix,
          "not a user-name prefix: at most 32 letters, digits and _ . @ + -, so every name stays valid in SG");
    }
    List<String> algorithms = in.list(key + "algorithms", entry.algorithms(), OidcConfig.DEFAULT_ALGORITHMS);
    List<String> accepted = new ArrayList<>();
    for (String algorithm : algorithms) {
      String upper = algorithm.toUpperCase(Locale.ROOT);
      if (upper.equals("NONE")) {
        in.add(key + "algorithms", algorithm, "unsigned tokens are never accepted");
      } else if (upper.startsWith("HS")) {
        in.add(key + "algorithms", algorithm,
            "HMAC algorithms cannot be verified with an identity provider's public keys");
      } else if (!ASYMMETRIC_ALGORITHMS.contains(algorithm)) {
        in.add(key + "algorithms", algorithm, "unsupported: choose from " + ASYMMETRIC_ALGORITHMS);
      } else {
        accepted.add(algorithm);
      }
    }
    if (algorithms.isEmpty()) {
      in.add(key + "algorithms", "", "is empty: at least one algorithm is required");
    }
    boolean insecure = Problems.bool(entry.allowInsecureHttp(), false);
    if (issuerUrl != null && isPlainHttpOffLoopback(issuerUrl, insecure)) {
      in.add(key + "issuer", issuer, "plain http: keys fetched over it can be forged on the way;"
          + " use https, or set " + in.display(key) + "allow_insecure_http for a provider on a trusted network");
    }
    List<String> types = in.list(key + "accepted_types", entry.acceptedTypes(), OidcConfig.DEFAULT_ACCEPTED_TYPES);
    if (types.isEmpty()) {
      in.add(key + "accepted_types", "", "is empty: list the token types to accept, e.g. [absent, JWT, at+jwt]");
    }
    List<String> parties = in.list(key + "authorized_parties", entry.authorizedParties(), List.of());
    Map<String, String> required = new LinkedHashMap<>();
    for (String rule : in.list(key + "required_claims", entry.requiredClaims(), List.of())) {
      int equals = rule.indexOf('=');
      if (equals <= 0 || equals == rule.length() - 1) {
        in.add(key + "required_claims", rule, "not a claim=value rule, e.g. email_verified=true");
      } else {
        required.put(rule.substring(0, equals).trim(), rule.substring(equals + 1).trim());
      }
    }
    String jwksUri = null;
    if (Problems.optional(entry.jwksUri()) != null) {
      URI uri = in.httpUrl(key + "jwks_uri", entry.jwksUri());
      if (uri != null && isPlainHttpOffLoopback(uri, insecure)) {
        in.add(key + "jwks_uri", uri.toString(), "plain http: keys fetched over it can be forged on the way;"
            + " use https, or set " + in.display(key) + "allow_insecure_http");
      } else if (uri != null) {
        jwksUri = entry.jwksUri();
      }
    }
    if (issuer.isEmpty() || audiences.isEmpty() || accepted.isEmpty()) {
      return null;
    }
    return new OidcConfig(issuer, Set.copyOf(audiences), usernameClaim, usernamePrefix,
        Set.copyOf(accepted), keys.skew(), keys.ttl(), keys.cooldown(), keys.timeout(), Set.copyOf(types),
        Set.copyOf(parties), required, keys.minTtl(), keys.staleness(), jwksUri);
  }

  private static boolean isPlainHttpOffLoopback(URI uri, boolean allowed) {
    return uri.getScheme().equalsIgnoreCase("http") && !allowed
        && !LOOPBACK.contains(uri.getHost().toLowerCase(Locale.ROOT));
  }

  private static SyncGatewayConfig syncGateway(Problems in, ConfigFile.SyncGateway sg) {
    URI publicUrl = in.httpUrl("sync_gateway.public_url", sg.publicUrl());
    URI adminUrl = in.httpUrl("sync_gateway.admin_url", sg.adminUrl());
    String username = Problems.optional(sg.adminUsername());
    String password = Problems.optional(sg.adminPassword());
    if (username != null && password == null) {
      in.add("sync_gateway.admin_password", "",
          "missing: required with sync_gateway.admin_username (or set "
              + ConfigBinder.envName("sync_gateway.admin_password") + ")");
    } else if (username == null && password != null) {
      in.add("sync_gateway.admin_username", "", "missing: required with sync_gateway.admin_password");
    }
    List<String> databases = in.list("sync_gateway.databases", sg.databases(), null);
    for (String db : databases) {
      if (!DATABASE_NAME.matcher(db).matches()) {
        in.add("sync_gateway.databases", db,
            "not a Sync Gateway database name: lowercase letter first, then a-z 0-9 _$()+-");
      }
    }
    if (databases.size() != databases.stream().distinct().count()) {
      in.add("sync_gateway.databases", String.join(",", databases), "lists a database twice");
    }
    String cookieName = in.text("sync_gateway.session_cookie_name", sg.sessionCookieName(),
        SyncGatewayConfig.DEFAULT_SESSION_COOKIE_NAME);
    if (!COOKIE_NAME.matcher(cookieName).matches()) {
      in.add("sync_gateway.session_cookie_name", cookieName, "not a valid cookie name (RFC 6265 token)");
    }
    var connect = in.duration("sync_gateway.connect_timeout", sg.connectTimeout(),
        SyncGatewayConfig.DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(1));
    var admin = in.duration("sync_gateway.admin_timeout", sg.adminTimeout(),
        SyncGatewayConfig.DEFAULT_ADMIN_TIMEOUT, Duration.ofMillis(1));
    int maxConnections = in.integer("sync_gateway.max_connections", sg.maxConnections(), SyncGatewayConfig.AUTO,
        1, 10_000_000);
    var requestTimeout = in.duration("sync_gateway.request_timeout", sg.requestTimeout(),
        SyncGatewayConfig.DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1));
    var poolWait = in.duration("sync_gateway.pool_wait_timeout", sg.poolWaitTimeout(),
        SyncGatewayConfig.DEFAULT_POOL_WAIT_TIMEOUT, Duration.ofMillis(1));
    int adminMaxConnections = in.integer("sync_gateway.admin_max_connections", sg.adminMaxConnections(),
        SyncGatewayConfig.DEFAULT_ADMIN_MAX_CONNECTIONS, 1, 10_000);
    var checkInterval = in.duration("sync_gateway.check_interval", sg.checkInterval(),
        SyncGatewayConfig.DEFAULT_CHECK_INTERVAL, Duration.ofSeconds(1));
    if (publicUrl == null || adminUrl == null || databases.isEmpty() || (username == null) != (password == null)) {
      return null;
    }
    return new SyncGatewayConfig(publicUrl, adminUrl, username, password, databases, cookieName,
        connect, admin, requestTimeout, maxConnections, poolWait, adminMaxConnections, checkInterval);
  }

  /** {@code provisioning.{db}.*}: each key names a database served. */
  private static Map<String, Provisioning> provisioning(Problems in, Map<String, ConfigFile.Provisioning> written,
      SyncGatewayConfig syncGateway) {
    Map<String, ConfigFile.Provisioning> file = written == null ? Map.of() : written;
    List<String> served = syncGateway == null ? List.of() : syncGateway.databases();
    for (String db : file.keySet()) {
      if (syncGateway != null && !served.contains(db)) {
        in.add("provisioning." + db, "", "not one of sync_gateway.databases");
      }
    }
    Map<String, Provisioning> all = new LinkedHashMap<>();
    for (String db : served) {
      ConfigFile.Provisioning p = file.get(db);
      if (p == null) {
        all.put(db, Provisioning.none());
        continue;
      }
      String prefix = "provisioning." + db + ".";
      all.put(db, new Provisioning(
          Problems.bool(p.autoRegister(), Provisioning.DEFAULT_AUTO_REGISTER),
          Problems.optional(p.rolesClaim()),
          Problems.optional(p.channelsClaim()),
          in.list(prefix + "roles", p.roles(), List.of()),
          in.list(prefix + "channels", p.channels(), List.of()),
          Problems.optional(p.emailClaim()),
          Problems.bool(p.allowWildcardChannels(), Provisioning.DEFAULT_ALLOW_WILDCARD_CHANNELS)));
    }
    return all;
  }

  /** {@code cors.{db}.*}: the web origins that may call each database from a browser. */
  private static Map<String, CorsPolicy> cors(Problems in, Map<String, ConfigFile.Cors> written,
      SyncGatewayConfig syncGateway) {
    Map<String, CorsPolicy> all = new LinkedHashMap<>();
    List<String> served = syncGateway == null ? List.of() : syncGateway.databases();
    (written == null ? Map.<String, ConfigFile.Cors>of() : written).forEach((db, cors) -> {
      String key = "cors." + db + ".";
      if (syncGateway != null && !served.contains(db)) {
        in.add("cors." + db, "", "not one of sync_gateway.databases");
        return;
      }
      if (cors == null) {
        in.add("cors." + db, "", "is empty: list the origins under cors." + db + ".origins");
        return;
      }
      List<String> origins = in.list(key + "origins", cors.origins(), null);
      for (String origin : origins) {
        if (origin.equals("*")) {
          in.add(key + "origins", origin, "every origin would get the users' credentials: list the app's origins");
        } else if (origin.equalsIgnoreCase("null")) {
          in.add(key + "origins", origin, "the null origin is shared by every sandboxed page and local file:"
              + " it proves nothing");
        } else if (!ORIGIN.matcher(origin).matches()) {
          in.add(key + "origins", origin, "not an origin: scheme://host[:port], no path or trailing slash;"
              + " a pattern puts * as the leftmost label (https://*.example.com)");
        } else if (origin.contains("://*.") && !origin.substring(origin.indexOf("://*.") + 5).contains(".")) {
          in.add(key + "origins", origin, "a pattern for every site under a top-level domain: name the domain"
              + " (https://*.example.com)");
        }
      }
      all.put(db, new CorsPolicy(origins,
          in.duration(key + "max_age", cors.maxAge(), CorsPolicy.DEFAULT_MAX_AGE, Duration.ZERO)));
    });
    return all;
  }

  private static SessionPolicy session(Problems in, ConfigFile.Session session) {
    List<String> secrets = new ArrayList<>();
    String current = Problems.optional(session.cookieSecret());
    List<String> previous = in.list("session.cookie_previous_secrets", session.cookiePreviousSecrets(), List.of());
    if (current != null) {
      secrets.add(current);
    } else if (!previous.isEmpty()) {
      in.add("session.cookie_previous_secrets", "", "needs session.cookie_secret, the secret that signs new cookies");
    }
    secrets.addAll(previous);
    for (String secret : secrets) {
      if (secret.length() < SessionPolicy.MIN_SECRET_LENGTH) {
        in.add(current != null && secret.equals(current) ? "session.cookie_secret" : "session.cookie_previous_secrets",
            "", "too short: at least " + SessionPolicy.MIN_SECRET_LENGTH + " characters of a random string");
      }
    }
    return new SessionPolicy(
        in.duration("session.max_ttl", session.maxTtl(), SessionPolicy.DEFAULT_MAX_TTL, Duration.ofSeconds(1)),
        in.integer("session.cache_max_entries", session.cacheMaxEntries(), SessionPolicy.DEFAULT_CACHE_MAX_ENTRIES,
            1, 10_000_000),
        secrets,
        Problems.bool(session.acceptUnsignedCookies(), SessionPolicy.DEFAULT_ACCEPT_UNSIGNED_COOKIES),
        in.duration("session.revalidate_interval", session.revalidateInterval(),
            SessionPolicy.DEFAULT_REVALIDATE_INTERVAL, Duration.ofSeconds(1)),
        in.integer("session.sign_ins_per_user_per_minute", session.signInsPerUserPerMinute(),
            SessionPolicy.DEFAULT_SIGN_INS_PER_USER_PER_MINUTE, 1, 1_000_000),
        in.integer("session.sign_ins_per_second", session.signInsPerSecond(),
            SessionPolicy.DEFAULT_SIGN_INS_PER_SECOND, 1, 1_000_000),
        in.duration("session.logout_memory", session.logoutMemory(), SessionPolicy.DEFAULT_LOGOUT_MEMORY,
            Duration.ofMinutes(1)),
        in.duration("session.logout_refresh_interval", session.logoutRefreshInterval(),
            SessionPolicy.DEFAULT_LOGOUT_REFRESH_INTERVAL, Duration.ofMillis(100)));
  }

  private static PouchDbPolicy pouchDb(Problems in, ConfigFile.Pouchdb pouchDb, SyncGatewayConfig syncGateway) {
    List<String> served = syncGateway == null ? List.of() : syncGateway.databases();
    List<String> databases = in.list("pouchdb.databases", pouchDb.databases(), served);
    for (String db : databases) {
      if (syncGateway != null && !served.contains(db)) {
        in.add("pouchdb.databases", db, "not one of sync_gateway.databases");
      }
    }
    return new PouchDbPolicy(databases, Problems.bool(pouchDb.jsonBulkGet(), PouchDbPolicy.DEFAULT_JSON_BULK_GET));
  }

  private static CookiePolicy cookie(Problems in, ConfigFile.Cookie cookie) {
    boolean secure = Problems.bool(cookie.secure(), CookiePolicy.DEFAULT_SECURE);
    String sameSiteText = in.text("cookie.same_site", cookie.sameSite(), CookiePolicy.DEFAULT_SAME_SITE.attribute());
    SameSite sameSite = CookiePolicy.DEFAULT_SAME_SITE;
    try {
      sameSite = SameSite.valueOf(sameSiteText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      in.add("cookie.same_site", sameSiteText, "not a SameSite value: use Strict, Lax or None");
    }
    if (sameSite == SameSite.NONE && !secure) {
      in.add("cookie.same_site", sameSiteText,
          "browsers drop SameSite=None cookies that are not Secure: set cookie.secure to true or use Lax");
      sameSite = SameSite.LAX;
    }
    return new CookiePolicy(secure, sameSite);
  }
}
