package io.syncgate.server;

import io.syncgate.config.InboundLimits;
import io.syncgate.config.SyncGatewayConfig;
import java.lang.management.ManagementFactory;

/**
 * How many connections one process can hold. A proxied request takes two descriptors, the
 * client's connection and one to Sync Gateway, so by default each side gets half of the open-file
 * limit, less {@link #RESERVED} descriptors for everything else (the Admin API pool, the identity
 * provider, the management port, the JVM's own files). Configured values win.
 *
 * @param openFileLimit the process's limit on open descriptors, or -1 when the platform hides it
 * @param clientConnections most client connections open at once
 * @param backendConnections most connections to SG's public port, across every event loop
 */
record Capacity(long openFileLimit, int clientConnections, int backendConnections) {

  static final int RESERVED = 256;
  /** Without a known limit (not a Unix JVM), a size that fits the common default of 4,096. */
  static final int FALLBACK = 1900;

  static Capacity plan(InboundLimits inbound, SyncGatewayConfig backend) {
    long limit = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
        ? unix.getMaxFileDescriptorCount() : -1;
    return plan(limit, inbound.maxConnections(), backend.maxConnections());
  }

  static Capacity plan(long openFileLimit, int configuredClients, int configuredBackend) {
    int half = openFileLimit <= 0 ? FALLBACK
        : (int) Math.min(Integer.MAX_VALUE, Math.max(32, (openFileLimit - RESERVED) / 2));
    return new Capacity(openFileLimit,
        configuredClients == InboundLimits.AUTO ? half : configuredClients,
        configuredBackend == SyncGatewayConfig.AUTO ? half : configuredBackend);
  }

  /** One event loop's share of the backend pool: each loop has its own, and none is left at 0. */
  int backendConnectionsPerLoop(int loops) {
    return Math.max(1, (backendConnections + loops - 1) / loops);
  }
}
