package io.syncgate.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.syncgate.pouchdb.PouchDbCompatibility;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyOptions;
import java.net.URI;

/**
 * Streams an authenticated request to the backend's public port and its response back, through
 * vertx-http-proxy: bodies flow with back-pressure and are never buffered, and long-poll or
 * continuous feeds stay open as long as the backend keeps them. Three links shape the exchange,
 * outermost first: origin failures become JSON, outbound headers are made safe, inbound headers
 * are made fit for the client; a fourth makes replication reads fit for PouchDB
 * ({@link PouchDbCompatibility}).
 */
public final class Forwarder {

  private final HttpClient client;
  private final RequestOptions origin;
  private final String originPath;
  private final SessionCookies cookies;
  private final String sessionCookieName;
  private final PouchDbCompatibility pouchDb;
  private final ProxyOptions options = new ProxyOptions().setSupportWebSocket(true);

  public Forwarder(HttpClient client, URI publicUrl, String sessionCookieName, SessionCookies cookies,
      PouchDbCompatibility pouchDb) {
    this.pouchDb = pouchDb;
    this.client = client;
    boolean tls = publicUrl.getScheme().equals("https");
    this.origin = new RequestOptions()
        .setHost(publicUrl.getHost())
        .setPort(publicUrl.getPort() != -1 ? publicUrl.getPort() : tls ? 443 : 80)
        .setSsl(tls);
    this.originPath = publicUrl.getRawPath() == null ? "" : publicUrl.getRawPath();
    this.cookies = cookies;
    this.sessionCookieName = sessionCookieName;
  }

  public void forward(HttpServerRequest request, Outbound outbound) {
    HttpProxy proxy = HttpProxy.reverseProxy(options, client)
        .origin(context -> context.client().request(new RequestOptions(origin)))
        .addInterceptor(new OriginFailures(), true)
        .addInterceptor(new OutboundHeaders(outbound, originPath, sessionCookieName), true)
        .addInterceptor(new InboundHeaders(outbound, cookies), true);
    ProxyInterceptor replicationReads = pouchDb.interceptorFor(request.method(), outbound.uri());
    if (replicationReads != null) {
      proxy.addInterceptor(replicationReads);
    }
    proxy.handle(request);
  }
}
