package io.syncgate.failure;

import io.vertx.core.json.JsonObject;

/**
 * Every way a request can be refused or fail, each with its HTTP status and a stable CouchDB-style
 * error code. Links of the request path fail their {@code Future} with one of these; one responder
 * turns it into {@code {"error","reason"}} JSON. Reasons are shown to clients, so they never hold a
 * token, cookie or session id.
 */
public abstract sealed class GatewayFailure extends RuntimeException {

  private GatewayFailure(String reason) {
    super(reason, null, false, false);
  }

  public abstract int status();

  public abstract String error();

  public String reason() {
    return getMessage();
  }

  /** The value of {@code WWW-Authenticate}, or null when the status calls for none. */
  public String wwwAuthenticate() {
    return null;
  }

  public final JsonObject toJson() {
    return new JsonObject().put("error", error()).put("reason", reason());
  }

  /** No credentials at all: RFC 6750 §3.1 says the challenge then carries no error code. */
  public static GatewayFailure credentialsRequired(String reason) {
    return new Unauthorized(reason, null);
  }

  /** A bearer token that is malformed, expired, badly signed or not meant for us. */
  public static GatewayFailure invalidToken(String reason) {
    return new Unauthorized(reason, "invalid_token");
  }

  public static GatewayFailure forbidden(String reason) {
    return new Forbidden(reason);
  }

  public static GatewayFailure notFound(String reason) {
    return new NotFound(reason);
  }

  public static GatewayFailure badRequest(String reason) {
    return new BadRequest(reason);
  }

  /** Syncgate itself cannot serve yet, e.g. the identity provider's keys are not loaded. */
  public static GatewayFailure unavailable(String reason) {
    return new Unavailable(reason);
  }

  /** The backend could not be reached or answered in a way Syncgate cannot use. */
  public static GatewayFailure badGateway(String reason) {
    return new BadGateway(reason);
  }

  public static GatewayFailure gatewayTimeout(String reason) {
    return new GatewayTimeout(reason);
  }

  /** A bug in Syncgate: the details go to the log, never to the client. */
  public static GatewayFailure internal(String reason) {
    return new Internal(reason);
  }

  public static final class Unauthorized extends GatewayFailure {
    private final String bearerError;

    private Unauthorized(String reason, String bearerError) {
      super(reason);
      this.bearerError = bearerError;
    }

    @Override
    public int status() {
      return 401;
    }

    @Override
    public String error() {
      return "unauthorized";
    }

    @Override
    public String wwwAuthenticate() {
      if (bearerError == null) {
        return "Bearer realm=\"syncgate\"";
      }
      return "Bearer realm=\"syncgate\", error=\"" + bearerError + "\", error_description=\""
          + reason().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }

  public static final class Forbidden extends GatewayFailure {
    private Forbidden(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 403;
    }

    @Override
    public String error() {
      return "forbidden";
    }
  }

  public static final class NotFound extends GatewayFailure {
    private NotFound(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 404;
    }

    @Override
    public String error() {
      return "not_found";
    }
  }

  public static final class BadRequest extends GatewayFailure {
    private BadRequest(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 400;
    }

    @Override
    public String error() {
      return "bad_request";
    }
  }

  public static final class Unavailable extends GatewayFailure {
    private Unavailable(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 503;
    }

    @Override
    public String error() {
      return "service_unavailable";
    }
  }

  public static final class BadGateway extends GatewayFailure {
    private BadGateway(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 502;
    }

    @Override
    public String error() {
      return "bad_gateway";
    }
  }

  public static final class GatewayTimeout extends GatewayFailure {
    private GatewayTimeout(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 504;
    }

    @Override
    public String error() {
      return "gateway_timeout";
    }
  }

  public static final class Internal extends GatewayFailure {
    private Internal(String reason) {
      super(reason);
    }

    @Override
    public int status() {
      return 500;
    }

    @Override
    public String error() {
      return "internal_error";
    }
  }
}
