package io.syncgate.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket handshake's {@code Sec-WebSocket-Protocol} entries, split into the credentials a
 * client may carry there and the protocols it speaks. Browsers cannot set headers on a WebSocket,
 * so a web app sends its token as the entry {@code syncgate.bearer.<jwt>}; Couchbase Lite may send
 * Sync Gateway's own {@code SyncGatewaySession_<id>}, here a Syncgate ticket. Credential entries
 * never go upstream; the protocols ({@code BLIP_3+CBMobile_3}, …) go as the client listed them,
 * so the backend's choice among them comes back to the client. A browser also offers the entry
 * {@code syncgate}: it stays here too, and is the answer when the backend chooses none (a browser
 * fails a handshake that offered protocols and got none back).
 *
 * @param bearer the token of a {@code syncgate.bearer.} entry, or null
 * @param session the ticket of a {@code SyncGatewaySession_} entry, or null
 * @param protocols every other entry, in the client's order
 * @param marker whether the client offered {@code syncgate}
 */
public record SubProtocols(String bearer, String session, List<String> protocols, boolean marker) {

  public static final String BEARER_PREFIX = "syncgate.bearer.";
  public static final String SESSION_PREFIX = "SyncGatewaySession_";
  public static final String MARKER = "syncgate";

  public SubProtocols {
    protocols = List.copyOf(protocols);
  }

  /** The entries of every {@code Sec-WebSocket-Protocol} field (RFC 6455 §11.3.4: a comma-separated list). */
  public static SubProtocols parse(List<String> fields) {
    String bearer = null;
    String session = null;
    List<String> protocols = new ArrayList<>();
    boolean marker = false;
    for (String field : fields) {
      for (String entry : field.split(",")) {
        String name = entry.trim();
        if (name.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
          bearer = bearer == null ? name.substring(BEARER_PREFIX.length()) : bearer;
        } else if (name.regionMatches(true, 0, SESSION_PREFIX, 0, SESSION_PREFIX.length())) {
          session = session == null ? name.substring(SESSION_PREFIX.length()) : session;
        } else if (name.equalsIgnoreCase(MARKER)) {
          marker = true;
        } else if (!name.isEmpty()) {
          protocols.add(name);
        }
      }
    }
    return new SubProtocols(bearer, session, protocols, marker);
  }

  @Override
  public String toString() {
    // Never the credentials.
    return "SubProtocols" + protocols;
  }
}
