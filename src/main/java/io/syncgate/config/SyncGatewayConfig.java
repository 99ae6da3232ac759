package io.syncgate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where Sync Gateway listens and how Syncgate talks to it. The admin credentials are the
 * Couchbase RBAC user that SG 3.x requires on its Admin API; null when that API is unauthenticated.
 */
public record SyncGatewayConfig(
    URI publicUrl,
    URI adminUrl,
    String adminUsername,
    String adminPassword,
    List<String> databases,
    String sessionCookieName,
    Duration connectTimeout,
    Duration adminTimeout,
    Duration requestTimeout,
    int maxConnections,
    Duration poolWaitTimeout,
    int adminMaxConnections,
    Duration checkInterval) {

  public static final String DEFAULT_SESSION_COOKIE_NAME = "SyncGatewaySession";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_ADMIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  /** A pool size of 0: as many connections as the open-file limit allows. */
  public static final int AUTO = 0;
  public static final Duration DEFAULT_POOL_WAIT_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_ADMIN_MAX_CONNECTIONS = 16;
  /** How often readiness asks SG's Admin API about each database. */
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);

  public SyncGatewayConfig {
    Objects.requireNonNull(publicUrl, "publicUrl");
    Objects.requireNonNull(adminUrl, "adminUrl");
    databases = List.copyOf(databases);
    Objects.requireNonNull(sessionCookieName, "sessionCookieName");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(adminTimeout, "adminTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(poolWaitTimeout, "poolWaitTimeout");
    Objects.requireNonNull(checkInterval, "checkInterval");
    if (databases.isEmpty()) {
      throw new IllegalArgumentException("at least one database is required");
    }
    if ((adminUsername == null) != (adminPassword == null)) {
      throw new IllegalArgumentException("admin username and password go together");
    }
  }

  @Override
  public String toString() {
    return "SyncGatewayConfig[publicUrl=" + publicUrl + ", adminUrl=" + adminUrl
        + ", adminUsername=" + adminUsername + ", adminPassword=" + (adminPassword == null ? "null" : "***")
        + ", databases=" + databases + ", sessionCookieName=" + sessionCookieName + "]";
  }
}
