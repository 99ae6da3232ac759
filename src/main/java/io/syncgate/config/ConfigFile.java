package io.syncgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The configuration file's shape, as Jackson binds it: one record per section, component names in
 * snake case ({@code maxUrlLength} is {@code max_url_length}). Every value is nullable, null
 * meaning "not set"; defaults, bounds and rules between keys are the loader's business. These
 * records are also the schema: unknown keys, environment names and the documented key list all
 * come from them.
 */
record ConfigFile(
    Listen listen,
    Management management,
    Oidc oidc,
    SyncGateway syncGateway,
    Map<String, Provisioning> provisioning,
    Map<String, Cors> cors,
    Session session,
    Cookie cookie,
    Access access,
    Pouchdb pouchdb,
    Shutdown shutdown) {

  record Listen(String host, Integer port, String basePath, Integer maxUrlLength, Integer maxHeaderBytes,
      Integer maxHeaders, Integer maxBodyBytes, Duration headerTimeout, Duration idleTimeout, Duration bodyTimeout,
      Integer maxConnections, List<String> publicOrigins, List<String> trustedProxies) {}

  record Management(String host, Integer port, Duration eventLoopBlockedTimeout) {}

  /**
   * Settings every issuer shares, and the issuers. The single-issuer form writes one issuer's keys
   * directly under {@code oidc}; the binder moves them into {@code issuers} before binding.
   */
  record Oidc(Duration clockSkew, Duration jwksCacheTtl, Duration jwksMinTtl, Duration jwksMaxStaleness,
      Duration jwksRefetchCooldown, Duration httpTimeout, Integer failedVerificationsPerClientPerMinute,
      List<Issuer> issuers) {}

  record Issuer(String issuer, List<String> audiences, String usernameClaim, String usernamePrefix,
      List<String> algorithms, Boolean allowInsecureHttp, List<String> acceptedTypes, List<String> authorizedParties,
      List<String> requiredClaims, String jwksUri) {}

  record SyncGateway(String publicUrl, String adminUrl, String adminUsername, String adminPassword,
      List<String> databases, String sessionCookieName, Duration connectTimeout, Duration adminTimeout,
      Integer maxConnections, Duration requestTimeout, Duration poolWaitTimeout, Integer adminMaxConnections,
      Duration checkInterval) {}

  record Provisioning(Boolean autoRegister, String rolesClaim, String channelsClaim, List<String> roles,
      List<String> channels, String emailClaim, Boolean allowWildcardChannels) {}

  record Cors(List<String> origins, Duration maxAge) {}

  record Session(String cookieSecret, List<String> cookiePreviousSecrets, Duration maxTtl, Integer cacheMaxEntries,
      Boolean acceptUnsignedCookies, Duration revalidateInterval, Integer signInsPerUserPerMinute,
      Integer signInsPerSecond, Duration logoutMemory, Duration logoutRefreshInterval) {}

  record Cookie(Boolean secure, String sameSite) {}

  record Access(Boolean allowGuest, Boolean allowPasswordLogin) {}

  record Pouchdb(List<String> databases, Boolean jsonBulkGet) {}

  record Shutdown(Duration drainTimeout) {}
}
