package io.syncgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration, validated. {@code basePath} is the prefix clients use ({@code /sync});
 * it is empty when Syncgate serves from the root.
 */
public record SyncgateConfig(
    Listener listen,
    String basePath,
    Listener management,
    List<OidcConfig> issuers,
    SyncGatewayConfig syncGateway,
    SessionPolicy session,
    CookiePolicy cookie,
    AccessPolicy access,
    PouchDbPolicy pouchDb,
    Map<String, Provisioning> provisioning,
    Map<String, CorsPolicy> cors,
    InboundLimits inbound,
    ShutdownPolicy shutdown,
    Frontend frontend,
    int failedVerificationsPerClientPerMinute,
    Duration eventLoopBlockedTimeout) {

  /** How long an event loop may run nothing before {@code /healthz} calls the process unhealthy. */
  public static final Duration DEFAULT_EVENT_LOOP_BLOCKED_TIMEOUT = Duration.ofSeconds(10);

  /** Signature checks a client may fail in a minute before its tokens are refused unchecked for a while. */
  public static final int DEFAULT_FAILED_VERIFICATIONS_PER_CLIENT_PER_MINUTE = 60;

  public static final String DEFAULT_LISTEN_HOST = "0.0.0.0";
  public static final int DEFAULT_LISTEN_PORT = 8080;
  public static final String DEFAULT_BASE_PATH = "/";
  public static final String DEFAULT_MANAGEMENT_HOST = "127.0.0.1";
  public static final int DEFAULT_MANAGEMENT_PORT = 9090;

  /** Who may call {@code db} from a web page on another origin. */
  public CorsPolicy cors(String db) {
    return cors.getOrDefault(db, CorsPolicy.none());
  }

  public SyncgateConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(basePath, "basePath");
    Objects.requireNonNull(management, "management");
    issuers = List.copyOf(issuers);
    if (issuers.isEmpty()) {
      throw new IllegalArgumentException("at least one issuer is required");
    }
    Objects.requireNonNull(syncGateway, "syncGateway");
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(cookie, "cookie");
    Objects.requireNonNull(access, "access");
    Objects.requireNonNull(pouchDb, "pouchDb");
    provisioning = Map.copyOf(provisioning);
    cors = Map.copyOf(cors);
    Objects.requireNonNull(inbound, "inbound");
    Objects.requireNonNull(shutdown, "shutdown");
    Objects.requireNonNull(frontend, "frontend");
    Objects.requireNonNull(eventLoopBlockedTimeout, "eventLoopBlockedTimeout");
    if (!basePath.isEmpty() && (!basePath.startsWith("/") || basePath.endsWith("/"))) {
      throw new IllegalArgumentException("basePath must be empty or start, and not end, with '/'");
    }
  }
}
