package io.syncgate.failure;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every way a request can be refused or fail, each {@link Kind} with its HTTP status and a stable
 * CouchDB-style error code. Links of the request path fail their {@code Future} with one of these;
 * {@link #headers()} and {@link #body()} are how it is answered, whichever layer writes it. Reasons are shown to clients, so they
 * never hold a token, cookie or session id.
 */
public final class GatewayFailure extends RuntimeException {

  /** The closed family of failures. */
  public enum Kind {
    BAD_REQUEST(400, "bad_request"),
    UNAUTHORIZED(401, "unauthorized"),
    FORBIDDEN(403, "forbidden"),
    NOT_FOUND(404, "not_found"),
    REQUEST_TIMEOUT(408, "request_timeout"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    URI_TOO_LONG(414, "uri_too_long"),
    TOO_MANY_REQUESTS(429, "too_many_requests"),
    HEADERS_TOO_LARGE(431, "request_header_fields_too_large"),
    INTERNAL(500, "internal_error"),
    BAD_GATEWAY(502, "bad_gateway"),
    UNAVAILABLE(503, "service_unavailable"),
    GATEWAY_TIMEOUT(504, "gateway_timeout"),
    HTTP_VERSION(505, "http_version_not_supported");

    private final int status;
    private final String error;

    Kind(int status, String error) {
      this.status = status;
      this.error = error;
    }
  }

  private final Kind kind;
  private final String bearerError;
  private final long retryAfterSeconds;

  private GatewayFailure(Kind kind, String reason, String bearerError) {
    this(kind, reason, bearerError, 0);
  }

  private GatewayFailure(Kind kind, String reason, String bearerError, long retryAfterSeconds) {
    super(reason, null, false, false);
    this.kind = kind;
    this.bearerError = bearerError;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Seconds after which the client may try again ({@code Retry-After}), or 0 when it does not apply. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public Kind kind() {
    return kind;
  }

  public int status() {
    return kind.status;
  }

  public String error() {
    return kind.error;
  }

  public String reason() {
    return getMessage();
  }

  /** The value of {@code WWW-Authenticate} (RFC 6750 §3), or null when the status calls for none. */
  public String wwwAuthenticate() {
    if (kind != Kind.UNAUTHORIZED) {
      return null;
    }
    if (bearerError == null) {
      return "Bearer realm=\"syncgate\"";
    }
    return "Bearer realm=\"syncgate\", error=\"" + bearerError + "\", error_description=\""
        + descriptionChars(reason()) + "\"";
  }

  /** RFC 6750 §3: error_description holds %x20-21 / %x23-5B / %x5D-7E only; anything else becomes '?'. */
  private static String descriptionChars(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      out.append(c >= 0x20 && c <= 0x7E && c != '"' && c != '\\' ? c : '?');
    }
    return out.toString();
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", error()).put("reason", reason());
  }

  /** The body every failure answers with, wherever it is written: {@code {"error","reason"}}. */
  public Buffer body() {
    return Buffer.buffer(toJson().encode());
  }

  /**
   * The headers every failure answers with beside its body, wherever it is written (a route, the
   * proxy, beneath the HTTP codec): its media type, {@code Cache-Control: no-store}, and the
   * {@code Retry-After} and RFC 6750 challenge it carries, if any. Lower-case names, in order.
   */
  public Map<String, String> headers() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    headers.put("cache-control", "no-store");
    if (retryAfterSeconds() > 0) {
      headers.put("retry-after", Long.toString(retryAfterSeconds()));
    }
    if (wwwAuthenticate() != null) {
      headers.put("www-authenticate", wwwAuthenticate());
    }
    return headers;
  }

  /** No credentials at all: RFC 6750 §3.1 says the challenge then carries no error code. */
  public static GatewayFailure credentialsRequired(String reason) {
    return new GatewayFailure(Kind.UNAUTHORIZED, reason, null);
  }

  /** A bearer token that is malformed, expired, badly signed or not meant for us. */
  public static GatewayFailure invalidToken(String reason) {
    return new GatewayFailure(Kind.UNAUTHORIZED, reason, "invalid_token");
  }

  public static GatewayFailure forbidden(String reason) {
    return new GatewayFailure(Kind.FORBIDDEN, reason, null);
  }

  public static GatewayFailure notFound(String reason) {
    return new GatewayFailure(Kind.NOT_FOUND, reason, null);
  }

  public static GatewayFailure requestTimeout(String reason) {
    return new GatewayFailure(Kind.REQUEST_TIMEOUT, reason, null);
  }

  public static GatewayFailure payloadTooLarge(String reason) {
    return new GatewayFailure(Kind.PAYLOAD_TOO_LARGE, reason, null);
  }

  public static GatewayFailure uriTooLong(String reason) {
    return new GatewayFailure(Kind.URI_TOO_LONG, reason, null);
  }

  public static GatewayFailure headersTooLarge(String reason) {
    return new GatewayFailure(Kind.HEADERS_TOO_LARGE, reason, null);
  }

  public static GatewayFailure badRequest(String reason) {
    return new GatewayFailure(Kind.BAD_REQUEST, reason, null);
  }

  /** Syncgate itself cannot serve yet, e.g. the identity provider's keys are not loaded. */
  /** Too many requests of one kind: try again after {@code retryAfterSeconds} (at least 1). */
  public static GatewayFailure tooManyRequests(String reason, long retryAfterSeconds) {
    return new GatewayFailure(Kind.TOO_MANY_REQUESTS, reason, null, Math.max(1, retryAfterSeconds));
  }

  /** Busy for now: try again after {@code retryAfterSeconds} (at least 1). */
  public static GatewayFailure unavailable(String reason, long retryAfterSeconds) {
    return new GatewayFailure(Kind.UNAVAILABLE, reason, null, Math.max(1, retryAfterSeconds));
  }

  public static GatewayFailure unavailable(String reason) {
    return new GatewayFailure(Kind.UNAVAILABLE, reason, null);
  }

  /** The backend could not be reached or answered in a way Syncgate cannot use. */
  public static GatewayFailure badGateway(String reason) {
    return new GatewayFailure(Kind.BAD_GATEWAY, reason, null);
  }

  public static GatewayFailure gatewayTimeout(String reason) {
    return new GatewayFailure(Kind.GATEWAY_TIMEOUT, reason, null);
  }

  public static GatewayFailure httpVersionNotSupported(String reason) {
    return new GatewayFailure(Kind.HTTP_VERSION, reason, null);
  }

  /** A bug in Syncgate: the details go to the log, never to the client. */
  public static GatewayFailure internal(String reason) {
    return new GatewayFailure(Kind.INTERNAL, reason, null);
  }
}
