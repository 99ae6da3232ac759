package io.syncgate.testing;

import io.syncgate.testing.SyncGatewayStandIn.Session;
import io.syncgate.testing.SyncGatewayStandIn.User;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;

/**
 * Who a request on the stand-in's public port is, as Sync Gateway 4.0 decides it (its recorded
 * answers, {@code sync-gateway-4.0-responses}): the session cookie, then HTTP Basic with the
 * user's password. A refusal is SG's 401: "Login required" with its Basic challenge when nothing
 * was presented, "Invalid login" with it for a wrong password or a disabled user, and — without
 * a challenge — "Session Invalid" for a session SG does not have and "Session no longer valid
 * for user" for one ended with all of its user's sessions.
 */
final class StandInLogin {

  /** Either who the request is, or why not. */
  record Outcome(String user, Session session, String refusal, boolean challenge) {
    boolean known() {
      return user != null;
    }
  }

  private StandInLogin() {}

  static Outcome of(SyncGatewayStandIn sg, HttpServerRequest request, String db) {
    Cookie cookie = request.getCookie(SyncGatewayStandIn.COOKIE_NAME);
    if (cookie != null) {
      Session session = sg.sessions.get(cookie.getValue());
      if (session == null && sg.invalidatedSessions.contains(cookie.getValue())) {
        return refused("Session no longer valid for user", false);
      }
      if (session == null || !session.db().equals(db) || !sg.now().isBefore(session.expires())
          || !sg.users.get(db).containsKey(session.user())) {
        return refused("Session Invalid", false);
      }
      return new Outcome(session.user(), session, null, false);
    }
    String[] basic = basic(request.getHeader("authorization"));
    if (basic != null) {
      return checkPassword(sg, db, basic[0], basic[1]);
    }
    return refused("Login required", true);
  }

  /** A name and password checked as SG checks them: the user exists, is enabled, and has it. */
  static Outcome checkPassword(SyncGatewayStandIn sg, String db, String name, String password) {
    User user = name == null ? null : sg.users.get(db).get(name);
    if (user == null || user.disabled() || !user.password().equals(password)) {
      return refused("Invalid login", true);
    }
    return new Outcome(name, null, null, false);
  }

  static boolean presentsCredentials(HttpServerRequest request) {
    return request.getCookie(SyncGatewayStandIn.COOKIE_NAME) != null || basic(request.getHeader("authorization")) != null;
  }

  private static Outcome refused(String reason, boolean challenge) {
    return new Outcome(null, null, reason, challenge);
  }

  static void refuse(RoutingContext ctx, Outcome outcome) {
    if (outcome.challenge()) {
      ctx.response().putHeader("www-authenticate", "Basic realm=\"Couchbase Sync Gateway\"");
    }
    StandInAdminApi.error(ctx, 401, "Unauthorized", outcome.refusal());
  }

  /**
   * SG's session document ({@code GET {db}/_session}, admin {@code GET _session/{id}}): the user's
   * channels, each with the sequence it was granted at, or nulls for nobody.
   */
  static JsonObject sessionInfo(SyncGatewayStandIn sg, String db, String name) {
    User user = name == null ? null : sg.users.get(db).get(name);
    JsonObject channels = null;
    if (user != null) {
      channels = new JsonObject();
      // The user's own channels and "!", as SG 4.0 answered: not those its roles give.
      TreeSet<String> own = new TreeSet<>(user.channels());
      own.add("!");
      for (String channel : own) {
        channels.put(channel, 1);
      }
    }
    return new JsonObject().put("authentication_handlers", new JsonArray().add("default").add("cookie"))
        .put("ok", true).put("userCtx", new JsonObject().put("channels", channels).put("name", user == null ? null : name));
  }

  /** A user's channels, its roles' and the public channel {@code !}, sorted as SG lists them. */
  static List<String> allChannels(SyncGatewayStandIn sg, String db, User user) {
    TreeSet<String> all = new TreeSet<>(user.channels());
    all.add("!");
    for (String role : user.roles()) {
      all.addAll(sg.roles.get(db).getOrDefault(role, List.of()));
    }
    return List.copyOf(all);
  }

  /** {name, password} of a Basic credential, or null. */
  private static String[] basic(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
