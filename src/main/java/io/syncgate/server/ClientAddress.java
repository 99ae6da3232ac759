package io.syncgate.server;

import io.syncgate.config.AddressRange;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/**
 * The address a request comes from, as limits per client count it: its peer's, unless the peer
 * is a proxy listed in {@code listen.trusted_proxies}; then {@code X-Forwarded-For}, read from the
 * right past every trusted hop, names the client. Entries left of the first untrusted one were
 * written by whoever sent the request and are never believed.
 */
final class ClientAddress {

  private ClientAddress() {}

  static String of(HttpServerRequest request, List<AddressRange> trusted) {
    String peer = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
    if (peer == null || trusted.isEmpty() || !isTrusted(peer, trusted)) {
      return peer;
    }
    List<String> fields = request.headers().getAll("x-forwarded-for");
    for (int f = fields.size() - 1; f >= 0; f--) {
      String[] hops = fields.get(f).split(",");
      for (int h = hops.length - 1; h >= 0; h--) {
        String hop = hops[h].trim();
        if (hop.isEmpty()) {
          continue;
        }
        if (AddressRange.parse(hop) == null) {
          // Not an address: the proxy's own peer is the last one known.
          return peer;
        }
        if (!isTrusted(hop, trusted)) {
          return hop;
        }
        peer = hop;
      }
    }
    return peer;
  }

  private static boolean isTrusted(String address, List<AddressRange> trusted) {
    for (AddressRange range : trusted) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
