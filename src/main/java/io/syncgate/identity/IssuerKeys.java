package io.syncgate.identity;

import com.nimbusds.jose.jwk.JWKSet;
import io.syncgate.config.OidcConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys, found through OIDC discovery and kept in memory. Keys older than the
 * cache TTL are refreshed in the background while the old ones keep serving, so an identity
 * provider outage does not stop sign-ins that its existing keys can verify. A token signed by an
 * unknown key triggers a refetch (key rotation), at most once per cooldown so a flood of forged
 * key ids cannot hammer the provider. Concurrent fetches share one request.
 */
final class IssuerKeys {

  private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);

  private record Snapshot(JWKSet keys, Instant fetchedAt) {}

  private final WebClient web;
  private final OidcConfig config;
  private final Clock clock;

  private volatile Snapshot snapshot;
  private volatile String jwksUri;
  private volatile Instant lastForcedRefetch = Instant.EPOCH;
  private Future<Snapshot> inFlight;

  IssuerKeys(WebClient web, OidcConfig config, Clock clock) {
    this.web = web;
    this.config = config;
    this.clock = clock;
  }

  boolean loaded() {
    return snapshot != null;
  }

  /** The current keys; fetched first if none were ever loaded. */
  Future<JWKSet> current() {
    Snapshot current = snapshot;
    if (current == null) {
      return fetch().map(Snapshot::keys);
    }
    if (clock.instant().isAfter(current.fetchedAt().plus(config.jwksCacheTtl()))) {
      fetch(); // serve what we have; the refresh lands for later requests
    }
    return Future.succeededFuture(current.keys());
  }

  /** Keys after a refetch for an unknown key id, or the current ones while the cooldown lasts. */
  Future<JWKSet> refetchForUnknownKey() {
    Instant now = clock.instant();
    if (snapshot != null && now.isBefore(lastForcedRefetch.plus(config.jwksRefetchCooldown()))) {
      return Future.succeededFuture(snapshot.keys());
    }
    lastForcedRefetch = now;
    return fetch().map(Snapshot::keys);
  }

  private synchronized Future<Snapshot> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    Promise<Snapshot> promise = Promise.promise();
    inFlight = promise.future();
    discover()
        .compose(this::download)
        .onComplete(result -> {
          synchronized (this) {
            inFlight = null;
          }
          if (result.succeeded()) {
            snapshot = result.result();
            promise.complete(result.result());
          } else {
            log.warn("cannot load signing keys of {}: {}", config.issuer(), result.cause().getMessage());
            Snapshot stale = snapshot;
            if (stale != null) {
              promise.complete(stale);
            } else {
              promise.fail(result.cause());
            }
          }
        });
    return promise.future();
  }

  private Future<String> discover() {
    String known = jwksUri;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return get(config.discoveryUrl()).map(response -> {
      JsonObject document = new JsonObject(response.bodyAsBuffer());
      // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one we asked about.
      if (!config.issuer().equals(document.getString("issuer"))) {
        throw new IllegalStateException("discovery document names issuer " + document.getString("issuer")
            + ", not the configured " + config.issuer());
      }
      String uri = document.getString("jwks_uri");
      if (uri == null || !(uri.startsWith("https://") || uri.startsWith("http://"))) {
        throw new IllegalStateException("discovery document has no usable jwks_uri");
      }
      jwksUri = uri;
      return uri;
    });
  }

  private Future<Snapshot> download(String uri) {
    return get(uri)
        .map(response -> {
          try {
            JWKSet keys = JWKSet.parse(response.bodyAsString());
            log.info("loaded {} signing keys of {}", keys.getKeys().size(), config.issuer());
            return new Snapshot(keys, clock.instant());
          } catch (ParseException e) {
            throw new IllegalStateException("JWKS at " + uri + " is not a JSON Web Key Set: " + e.getMessage());
          }
        })
        .onFailure(e -> jwksUri = null); // the provider may have moved its keys: rediscover next time
  }

  private Future<HttpResponse<io.vertx.core.buffer.Buffer>> get(String url) {
    return web.getAbs(url)
        .timeout(config.httpTimeout().toMillis())
        .putHeader("accept", "application/json")
        .send()
        .map(response -> {
          if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + response.statusCode());
          }
          return response;
        });
  }
}
