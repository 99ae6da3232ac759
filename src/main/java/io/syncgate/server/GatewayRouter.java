package io.syncgate.server;

import io.syncgate.config.SyncgateConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.proxy.Forwarder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Where every public request goes, in order. Reading this class is reading the request path:
 *
 * <ol>
 *   <li>every request: hold the body back until it can be forwarded, and refuse hostile paths;</li>
 *   <li>{@code POST {base}/_oidc/backchannel_logout}: an identity provider's logout
 *       ({@link BackchannelLogout}), server to server, so before CORS and never with it;</li>
 *   <li>under {@code {base}/{db}}, and at {@code {base}/}: CORS, preflights answered here ({@link CrossOrigin});</li>
 *   <li>{@code POST {base}/{db}/_session}: sign in with a bearer token ({@link SignIn});</li>
 *   <li>{@code DELETE {base}/{db}/_session}: sign out, or revoke all with {@code ?all=true} ({@link SignOut});</li>
 *   <li>{@code GET {base}/_signin/{user}}: the seed's sign-in route;</li>
 *   <li>everything under {@code {base}/{db}}: authenticate ({@link Authenticator}), then stream
 *       to the backend ({@link Forwarder});</li>
 *   <li>anything else: 404. Failures anywhere: {@link FailureResponder}.</li>
 * </ol>
 */
final class GatewayRouter {

  /** The request's client address ({@link ClientAddress}), for limits per client and the access log. */
  static final String CLIENT = "syncgate.client";

  private GatewayRouter() {}

  static Router create(Vertx vertx, SyncgateConfig config, SignIn signIn, SignOut signOut,
      BackchannelLogout logout, Authenticator authenticator, Forwarder forwarder, GatewayMetrics metrics) {
    String base = config.basePath();
    List<String> databases = config.syncGateway().databases();
    Router router = Router.router(vertx);

    router.route().handler(ctx -> {
      // Nothing reads the body until it is forwarded; unpaused, its first bytes would be lost.
      ctx.request().pause();
      ctx.put(CLIENT, ClientAddress.of(ctx.request(), config.frontend().trustedProxies()));
      AccessLog.record(ctx);
      metrics.count(ctx);
      if (ctx.request().headers().size() > config.inbound().maxHeaders()) {
        throw GatewayFailure.headersTooLarge("more than " + config.inbound().maxHeaders() + " header fields");
      }
      InboundPath.rejectHostile(ctx.request().path());
      ctx.next();
    });
    router.post(base + BackchannelLogout.PATH).handler(logout::logout);
    CrossOrigin crossOrigin = new CrossOrigin(config);
    router.route(base + "/").handler(crossOrigin);
    router.route(base + "/:db").handler(crossOrigin);
    router.route(base + "/:db/*").handler(crossOrigin);
    router.post(base + "/:db/_session").handler(signIn::session);
    router.delete(base + "/:db/_session").handler(signOut::session);
    router.get(base + "/_signin/:user").handler(signIn::seed);
    router.route(base + "/:db").handler(ctx -> forward(ctx, base, databases, authenticator, forwarder));
    router.route(base + "/:db/*").handler(ctx -> forward(ctx, base, databases, authenticator, forwarder));
    router.route().handler(ctx -> ctx.fail(GatewayFailure.notFound("no such endpoint")));
    router.route().failureHandler(new FailureResponder());
    return router;
  }

  private static void forward(RoutingContext ctx, String base, List<String> databases,
      Authenticator authenticator, Forwarder forwarder) {
    HttpServerRequest request = ctx.request();
    if (request.version() == HttpVersion.HTTP_1_0) {
      // vertx-http-proxy would hold a whole streamed response in memory for an HTTP/1.0 client.
      throw GatewayFailure.httpVersionNotSupported("replication needs HTTP/1.1: its responses are streamed");
    }
    InboundPath path = InboundPath.parse(request.uri(), base, databases);
    authenticator.authenticate(request, path, ctx.get(CLIENT))
        .onSuccess(outbound -> {
          // Only now is the body welcome (RFC 9110 §10.1.1); before, a refusal would have had to read it.
          if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
            ctx.response().writeContinue();
          }
          forwarder.forward(ctx, outbound);
        })
        .onFailure(ctx::fail);
  }
}
