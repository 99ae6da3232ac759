package io.syncgate.server;

import io.syncgate.failure.GatewayFailure;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads the raw request target the way the backend will: the database (or Sync Gateway 3.x
 * keyspace {@code db.scope.collection}) right under the base path, and the path and query to send
 * on, byte for byte. Dot segments, plain or percent-encoded, are refused outright rather than
 * normalised, so what is authorised here is exactly what the backend is asked for.
 */
record InboundPath(String keyspace, String database, String backendUri) {

  /**
   * A database, or a Sync Gateway 3.x keyspace: {@code db.collection} or {@code db.scope.collection},
   * where a scope or collection is {@code _default} or a name of letters, digits, {@code -} and
   * {@code _} not starting with {@code _} (SG's rule, less its {@code %}). Taken raw: no
   * percent-encoding, so nothing decodes into a '/' or a dot segment further on.
   */
  private static final Pattern KEYSPACE =
      Pattern.compile("[a-z][a-z0-9_$()+-]*(\\.(_default|[A-Za-z0-9-][A-Za-z0-9_-]*)){0,2}");

  /**
   * Refuses a path that means something else once decoded, to Syncgate, Sync Gateway or anything
   * between: a dot segment in any encoding, also inside a segment whose {@code %2F} or {@code %5C}
   * decodes into separators; a backslash; a control character (NUL included); percent-encoding
   * that is not valid. Such paths are answered 400 and never forwarded.
   */
  static void rejectHostile(String rawPath) {
    for (String segment : rawPath.split("/", -1)) {
      if (segment.indexOf('\\') >= 0) {
        throw GatewayFailure.badRequest("the path contains a backslash");
      }
      boolean encoded = segment.indexOf('%') >= 0;
      if (segment.isEmpty() || segment.indexOf('.') < 0 && !encoded && !hasControl(segment)) {
        continue;
      }
      String decoded = encoded ? decode(segment) : segment;
      if (hasControl(decoded)) {
        throw GatewayFailure.badRequest("the path contains a control character");
      }
      if (decoded.indexOf('\\') >= 0) {
        throw GatewayFailure.badRequest("the path contains a backslash");
      }
      for (String part : decoded.split("/", -1)) {
        if (part.equals(".") || part.equals("..")) {
          throw GatewayFailure.badRequest("the path contains a dot segment");
        }
      }
    }
  }

  private static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /** Parses {@code rawUri} (path and query as received) below {@code basePath}. */
  static InboundPath parse(String rawUri, String basePath, List<String> databases) {
    if (!rawUri.startsWith(basePath + "/")) {
      throw GatewayFailure.notFound("no such endpoint");
    }
    String rest = rawUri.substring(basePath.length());
    int end = indexOfAny(rest, 1, '/', '?');
    String keyspace = rest.substring(1, end);
    if (!KEYSPACE.matcher(keyspace).matches()) {
      throw GatewayFailure.notFound("no such database");
    }
    int dot = keyspace.indexOf('.');
    String database = dot < 0 ? keyspace : keyspace.substring(0, dot);
    if (!databases.contains(database)) {
      throw GatewayFailure.notFound("no such database");
    }
    return new InboundPath(keyspace, database, rest);
  }

  boolean isKeyspace() {
    return !keyspace.equals(database);
  }

  private static int indexOfAny(String text, int from, char a, char b) {
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return text.length();
  }

  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw GatewayFailure.badRequest("the path is not valid percent-encoding");
    }
  }
}
