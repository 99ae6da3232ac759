package io.syncgate.backend.syncgateway;

import io.micrometer.core.instrument.Timer;
import io.netty.channel.ConnectTimeoutException;
import io.syncgate.config.SyncGatewayConfig;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.failure.PoolWait;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.uritemplate.UriTemplate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few Sync Gateway Admin API calls Syncgate makes. Every path segment is filled in through a
 * URI template, which percent-encodes all but unreserved characters, so no value can step into
 * another admin endpoint. Calls wait at most {@code sync_gateway.pool_wait_timeout} for one of the
 * pool's connections (then 503); transport failures become 502/504 failures that name no secret.
 */
final class AdminApi {

  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

  private final WebClient web;
  private final Timer latency;
  private final SyncGatewayConfig config;
  private final UriTemplate user;
  private final UriTemplate session;
  private final UriTemplate oneSession;
  private final UriTemplate userSessions;
  private final UriTemplate database;
  private final UriTemplate local;

  /** @param latency records each call's time to its answer; null for the database checks, which are not traffic */
  AdminApi(WebClient web, SyncGatewayConfig config, Timer latency) {
    this.latency = latency;
    this.web = web;
    this.config = config;
    String base = config.adminUrl().toString();
    this.user = UriTemplate.of(base + "/{db}/_user/{name}");
    this.session = UriTemplate.of(base + "/{db}/_session");
    this.oneSession = UriTemplate.of(base + "/{db}/_session/{id}");
    this.userSessions = UriTemplate.of(base + "/{db}/_user/{name}/_session");
    this.database = UriTemplate.of(base + "/{db}/");
    this.local = UriTemplate.of(base + "/{db}/_local/{id}");
  }

  /**
   * {@code GET /{db}/}: the database's state, answered only to credentials that may use it. Its
   * transport failures come back as they are, for the check to say what they were.
   */
  Future<HttpResponse<Buffer>> getDatabase(String db) {
    return request(HttpMethod.GET, database).setTemplateParam("db", db).send();
  }

  Future<HttpResponse<Buffer>> getUser(String db, String name) {
    return send(request(HttpMethod.GET, user).setTemplateParam("db", db).setTemplateParam("name", name), null);
  }

  Future<HttpResponse<Buffer>> putUser(String db, String name, JsonObject body) {
    return send(request(HttpMethod.PUT, user).setTemplateParam("db", db).setTemplateParam("name", name), body)
        .compose(response -> response.statusCode() == 200 || response.statusCode() == 201
            ? Future.succeededFuture(response)
            : Future.failedFuture(unexpected("PUT _user", response)));
  }

  Future<HttpResponse<Buffer>> postSession(String db, JsonObject body) {
    return send(request(HttpMethod.POST, session).setTemplateParam("db", db), body);
  }

  Future<HttpResponse<Buffer>> getSession(String db, String id) {
    return send(request(HttpMethod.GET, oneSession).setTemplateParam("db", db).setTemplateParam("id", id), null);
  }

  Future<HttpResponse<Buffer>> deleteSession(String db, String id) {
    return send(request(HttpMethod.DELETE, oneSession).setTemplateParam("db", db).setTemplateParam("id", id), null);
  }

  Future<HttpResponse<Buffer>> deleteUserSessions(String db, String name) {
    return send(request(HttpMethod.DELETE, userSessions).setTemplateParam("db", db).setTemplateParam("name", name), null);
  }

  Future<HttpResponse<Buffer>> getLocal(String db, String id) {
    return send(request(HttpMethod.GET, local).setTemplateParam("db", db).setTemplateParam("id", id), null);
  }

  Future<HttpResponse<Buffer>> putLocal(String db, String id, JsonObject body) {
    return send(request(HttpMethod.PUT, local).setTemplateParam("db", db).setTemplateParam("id", id), body);
  }

  GatewayFailure unexpected(String call, HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status == 401 || status == 403) {
      log.error("Sync Gateway refused Syncgate's admin credentials ({} answered {})", call, status);
    } else {
      log.warn("Sync Gateway admin {} answered {}", call, status);
    }
    return GatewayFailure.badGateway("Sync Gateway's admin API answered " + status);
  }

  private HttpRequest<Buffer> request(HttpMethod method, UriTemplate template) {
    HttpRequest<Buffer> request = web.requestAbs(method, template)
        .timeout(config.adminTimeout().toMillis())
        .connectTimeout(config.poolWaitTimeout().toMillis())
        .putHeader("accept", "application/json");
    if (config.adminUsername() != null) {
      request.basicAuthentication(config.adminUsername(), config.adminPassword());
    }
    return request;
  }

  private Future<HttpResponse<Buffer>> send(HttpRequest<Buffer> request, JsonObject body) {
    long start = System.nanoTime();
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.onSuccess(answer -> latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS)).recover(e -> Future.failedFuture(
        PoolWait.exceeded(e) ? GatewayFailure.unavailable("Sync Gateway's admin API is busy: try again", 1)
        : e instanceof TimeoutException || e instanceof ConnectTimeoutException
            ? GatewayFailure.gatewayTimeout("Sync Gateway's admin API did not answer in time")
            : GatewayFailure.badGateway("Sync Gateway's admin API is unreachable")));
  }
}
