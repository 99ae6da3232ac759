package io.syncgate.identity;

import com.nimbusds.jose.jwk.JWKSet;
import io.syncgate.config.OidcConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys, found through OIDC discovery and kept in memory. Keys past their
 * freshness (the provider's {@code max-age} within the configured bounds) are refreshed in the
 * background while the old ones keep serving, so an identity provider outage does not stop
 * sign-ins that its existing keys can verify, up to a maximum staleness: keys nobody could
 * confirm for that long may have been withdrawn, and then nothing verifies (503). A token signed by an
 * unknown key triggers a refetch (key rotation), at most once per cooldown so a flood of forged
 * key ids cannot hammer the provider. Concurrent fetches share one request.
 */
final class IssuerKeys {

  private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);

  /** Keys as fetched, and until when they are fresh: the provider's max-age within the configured bounds. */
  private record Snapshot(JWKSet keys, Instant fetchedAt, Instant freshUntil) {}

  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,10})\"?");

  private final WebClient web;
  private final Counter fetched;
  private final Counter failed;
  private final OidcConfig config;
  private final Clock clock;

  private volatile Snapshot snapshot;
  private volatile String jwksUri;
  private volatile Instant lastForcedRefetch = Instant.EPOCH;
  private Instant failingSince;
  private Instant lastFailure;
  private Future<Snapshot> inFlight;

  IssuerKeys(WebClient web, OidcConfig config, Clock clock, MeterRegistry metrics) {
    this.fetched = Counter.builder("syncgate.jwks.fetches").description("Fetches of an issuer's signing keys, by outcome")
        .tag("issuer", config.issuer()).tag("outcome", "ok").register(metrics);
    this.failed = Counter.builder("syncgate.jwks.fetches").description("Fetches of an issuer's signing keys, by outcome")
        .tag("issuer", config.issuer()).tag("outcome", "failed").register(metrics);
    this.web = web;
    this.config = config;
    this.clock = clock;
  }

  boolean loaded() {
    return snapshot != null && !stale(snapshot);
  }

  /** Why keys cannot serve now, or null when they can. */
  String problem() {
    Snapshot current = snapshot;
    if (current == null) {
      return "the identity provider's signing keys are not loaded yet";
    }
    if (stale(current)) {
      return "the identity provider's signing keys are older than oidc.jwks_max_staleness:"
          + " it has been unreachable since " + failingSince;
    }
    return null;
  }

  /** Whether the keys held are too stale to serve. */
  boolean stale() {
    Snapshot current = snapshot;
    return current != null && stale(current);
  }

  /** Keys the provider could not confirm for longer than the configured staleness: may have been withdrawn. */
  private boolean stale(Snapshot current) {
    return clock.instant().isAfter(current.fetchedAt().plus(config.jwksMaxStaleness()));
  }

  /** The current keys; fetched first if none were ever loaded, and failing once they are too stale. */
  Future<JWKSet> current() {
    Snapshot current = snapshot;
    if (current == null) {
      return fetch().map(Snapshot::keys);
    }
    if (clock.instant().isAfter(current.freshUntil())) {
      fetch(); // serve what we have; the refresh lands for later requests
    }
    if (stale(current)) {
      return Future.failedFuture(new IllegalStateException(problem()));
    }
    return Future.succeededFuture(current.keys());
  }

  /** Keys after a refetch for an unknown key id, or the current ones while the cooldown lasts. */
  synchronized Future<JWKSet> refetchForUnknownKey() {
    Instant now = clock.instant();
    if (snapshot != null && now.isBefore(lastForcedRefetch.plus(config.jwksRefetchCooldown()))) {
      // Within the cooldown: join the refetch under way (its keys may be the ones wanted), or
      // make do with the keys already known.
      return inFlight != null ? inFlight.map(Snapshot::keys) : Future.succeededFuture(snapshot.keys());
    }
    lastForcedRefetch = now;
    return fetch().map(Snapshot::keys);
  }

  /**
   * One attempt at a time, and while the provider is failing, at most one per cooldown: requests
   * in between get the stale keys, or fail at once when there are none.
   */
  private synchronized Future<Snapshot> fetch() {
    if (inFlight != null) {
      return inFlight;
    }
    Instant now = clock.instant();
    if (lastFailure != null && now.isBefore(lastFailure.plus(config.jwksRefetchCooldown()))) {
      Snapshot stale = snapshot;
      return stale != null ? Future.succeededFuture(stale)
          : Future.failedFuture(new IllegalStateException("the identity provider is unreachable"));
    }
    Promise<Snapshot> promise = Promise.promise();
    inFlight = promise.future();
    discover()
        .compose(this::download)
        .onComplete(result -> {
          Snapshot stale;
          synchronized (this) {
            inFlight = null;
            (result.succeeded() ? fetched : failed).increment();
            if (result.succeeded()) {
              if (failingSince != null) {
                log.info("signing keys of {} can be loaded again, after failing since {}", config.issuer(), failingSince);
              }
              failingSince = null;
              lastFailure = null;
              snapshot = result.result();
            } else {
              lastFailure = clock.instant();
              if (failingSince == null) {
                failingSince = lastFailure;
                log.warn("cannot load signing keys of {} (retrying at most every {}): {}", config.issuer(),
                    config.jwksRefetchCooldown(), result.cause().getMessage());
              }
            }
            stale = snapshot;
          }
          if (result.succeeded()) {
            promise.complete(result.result());
          } else if (stale != null) {
            promise.complete(stale);
          } else {
            promise.fail(result.cause());
          }
        });
    return promise.future();
  }

  private Future<String> discover() {
    if (config.jwksUri() != null) {
      // Configured: for a provider without discovery, or whose discovery is not to be trusted.
      return Future.succeededFuture(config.jwksUri());
    }
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
      // Keys fetched over plain HTTP could be swapped on the way; only an http issuer (tests, local
      // development) may publish them so.
      boolean plainAllowed = config.issuer().startsWith("http://");
      if (uri == null || !(uri.startsWith("https://") || plainAllowed && uri.startsWith("http://"))) {
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
            Duration fresh = freshness(response.getHeader("cache-control"));
            log.info("loaded {} signing keys of {}, fresh for {}", keys.getKeys().size(), config.issuer(), fresh);
            Instant now = clock.instant();
            return new Snapshot(keys, now, now.plus(fresh));
          } catch (ParseException e) {
            throw new IllegalStateException("JWKS at " + uri + " is not a JSON Web Key Set: " + e.getMessage());
          }
        })
        .onFailure(e -> jwksUri = null); // the provider may have moved its keys: rediscover next time
  }

  /**
   * How long fetched keys are fresh: the provider's {@code Cache-Control: max-age} when it sends
   * one, within oidc.jwks_min_ttl and oidc.jwks_cache_ttl; the latter without one (or with
   * no-store / no-cache, which say nothing about how long keys stay valid).
   */
  private Duration freshness(String cacheControl) {
    if (cacheControl == null) {
      return config.jwksCacheTtl();
    }
    Matcher maxAge = MAX_AGE.matcher(cacheControl.toLowerCase(java.util.Locale.ROOT));
    if (!maxAge.find()) {
      return config.jwksCacheTtl();
    }
    Duration said = Duration.ofSeconds(Long.parseLong(maxAge.group(1)));
    return said.compareTo(config.jwksMinTtl()) < 0 ? config.jwksMinTtl()
        : said.compareTo(config.jwksCacheTtl()) > 0 ? config.jwksCacheTtl() : said;
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
