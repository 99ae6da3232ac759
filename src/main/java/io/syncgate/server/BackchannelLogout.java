package io.syncgate.server;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.identity.LogoutTokens;
import io.syncgate.limits.RateLimit;
import io.syncgate.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST {base}/_oidc/backchannel_logout}: OpenID Connect Back-Channel Logout 1.0 §2.5,
 * where an identity provider announces, server to server, that it ended a user's or a provider
 * session's sign-in. The form's {@code logout_token} is verified ({@link LogoutTokens}) and the
 * logout carried out ({@link Sessions#providerLogout}); {@code 200} then, and per §2.8 {@code 400}
 * with a JSON error for anything refused or not carried out (its {@code jti} may then come again).
 * Browsers never call it: it has no CORS, and answers {@code Cache-Control: no-store}. Failed tokens
 * are limited per address on their own count, which sign-ins cannot spend.
 */
final class BackchannelLogout {

  private static final Logger log = LoggerFactory.getLogger(BackchannelLogout.class);
  static final String PATH = "/_oidc/backchannel_logout";
  static final int FAILURES_PER_CLIENT_PER_MINUTE = 60;
  static final int FAILING_CLIENTS_KEPT = 10_000;

  private final LogoutTokens tokens;
  private final Sessions sessions;
  private final int maxBodyBytes;
  private final RateLimit failures;

  BackchannelLogout(LogoutTokens tokens, Sessions sessions, int maxBodyBytes, Clock clock) {
    this.tokens = tokens;
    this.sessions = sessions;
    this.maxBodyBytes = maxBodyBytes;
    this.failures = new RateLimit(clock, FAILURES_PER_CLIENT_PER_MINUTE, Duration.ofMinutes(1), FAILING_CLIENTS_KEPT);
  }

  void logout(RoutingContext ctx) {
    String client = ctx.get(GatewayRouter.CLIENT);
    if (client != null && failures.spent(client)) {
      throw GatewayFailure.badRequest("too many invalid logout tokens from this address: try again later");
    }
    String type = ctx.request().getHeader("content-type");
    if (type == null || !type.toLowerCase(Locale.ROOT).split(";")[0].trim().equals("application/x-www-form-urlencoded")) {
      throw GatewayFailure.badRequest("send the logout_token as application/x-www-form-urlencoded");
    }
    SmallBody.read(ctx.request(), maxBodyBytes)
        .compose(body -> tokens.verify(logoutToken(body)))
        .recover(e -> {
          if (client != null && e instanceof GatewayFailure failure && failure.status() == 401) {
            failures.tryTake(client);
          }
          return Future.failedFuture(e);
        })
        .compose(logout -> sessions.providerLogout(logout).recover(e -> {
          tokens.forget(logout);
          log.warn("cannot carry out {}: {}", logout, e.getMessage());
          return Future.failedFuture(GatewayFailure.badRequest("the logout could not be carried out now: send it again"));
        }).map(v -> logout))
        .onSuccess(logout -> {
          log.info("carried out {}", logout);
          ctx.response().putHeader("cache-control", "no-store").end();
        })
        // §2.8: whatever went wrong, 400; the reason says what.
        .onFailure(e -> ctx.fail(e instanceof GatewayFailure failure && failure.status() != 400
            ? GatewayFailure.badRequest(failure.getMessage()) : e));
  }

  /** The one {@code logout_token} of the form; none or two are refused. */
  private static String logoutToken(Buffer body) {
    List<String> values = new QueryStringDecoder(body.toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8, false)
        .parameters().get("logout_token");
    if (values == null || values.size() != 1 || values.get(0).isEmpty()) {
      throw GatewayFailure.badRequest("the form must carry one logout_token");
    }
    return values.get(0);
  }
}
