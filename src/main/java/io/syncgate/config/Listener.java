package io.syncgate.config;

/** A host and port to listen on; port 0 picks any free port (used by tests). */
public record Listener(String host, int port) {

  public Listener {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host is required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
