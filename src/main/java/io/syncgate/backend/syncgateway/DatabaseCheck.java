package io.syncgate.backend.syncgateway;

import io.netty.channel.ConnectTimeoutException;
import io.syncgate.config.SyncGatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Asks Sync Gateway's Admin API about each database Syncgate serves, once, with Syncgate's own
 * credentials ({@code GET /{db}/}): the call that fails, before any sign-in, for each way the
 * configuration or SG can be wrong — unreachable, credentials refused, no such database, offline.
 */
final class DatabaseCheck {

  private final AdminApi admin;
  private final SyncGatewayConfig config;

  DatabaseCheck(AdminApi admin, SyncGatewayConfig config) {
    this.admin = admin;
    this.config = config;
  }

  /** What is wrong, one line per database that is not served; empty when every one answers. */
  Future<List<String>> problems() {
    List<Future<String>> each = config.databases().stream()
        .map(db -> admin.getDatabase(db).map(answer -> problem(db, answer)).otherwise(e -> problem(db, e)))
        .toList();
    return Future.join(each).map(all -> {
      List<String> problems = new ArrayList<>();
      each.stream().map(Future::result).filter(Objects::nonNull).forEach(problems::add);
      return problems;
    });
  }

  private String problem(String db, HttpResponse<Buffer> answer) {
    return switch (answer.statusCode()) {
      case 200 -> {
        String state = state(answer);
        yield state == null || state.equals("Online") ? null
            : about(db) + "is " + state + ", not Online: Sync Gateway serves it to no client";
      }
      case 401 -> about(db) + "refused Syncgate's credentials (401): check sync_gateway.admin_username and"
          + " sync_gateway.admin_password (SG 3.0+ requires a Couchbase RBAC user)";
      case 403 -> about(db) + "refused Syncgate's admin user this database (403): give sync_gateway.admin_username"
          + " the Sync Gateway Application role on its bucket";
      case 404 -> about(db) + "has no such database (404): check sync_gateway.databases";
      default -> about(db) + "answered " + answer.statusCode();
    };
  }

  private String problem(String db, Throwable failure) {
    String why;
    if (failure instanceof ConnectTimeoutException) {
      why = "no connection within sync_gateway.connect_timeout";
    } else if (failure instanceof TimeoutException) {
      why = "no answer within sync_gateway.admin_timeout";
    } else if (failure instanceof UnknownHostException) {
      why = "unknown host";
    } else if (failure instanceof ConnectException) {
      why = "connection refused";
    } else {
      why = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    }
    return about(db) + "unreachable: " + why;
  }

  private String about(String db) {
    return "Sync Gateway's admin API " + config.adminUrl() + ", database " + db + ": ";
  }

  private static String state(HttpResponse<Buffer> answer) {
    try {
      return new JsonObject(answer.bodyAsString()).getString("state");
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      return null;
    }
  }
}
