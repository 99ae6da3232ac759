package io.syncgate.proxy;

import io.syncgate.identity.Identity;
import io.syncgate.session.Sessions.Presented;
import java.util.Objects;

/**
 * What to send the backend for one inbound request, decided by authentication.
 *
 * @param uri the backend path and query: the raw inbound path without the base path, so
 *     percent-encoded bytes such as {@code %2F} in document ids reach the backend as sent
 * @param credential how the backend request is authenticated
 */
public record Outbound(String uri, Credential credential) {

  /** How the backend request is authenticated; the client's own credentials go nowhere else. */
  public sealed interface Credential {}

  /**
   * A backend session Syncgate presents: held for a bearer client, or named by a cookie client's
   * signed ticket. The backend's {@code Set-Cookie}s stay here: a bearer client has no cookie, and
   * a cookie client's ticket already ends at its deadline, which SG's sliding renewal must not move.
   * {@code bearer} is the bearer client's identity, null for a cookie client.
   */
  public record Session(Presented presented, Identity bearer) implements Credential {
    /** Whether Syncgate holds this session for a bearer client (whose identity is then known). */
    public boolean isBearer() {
      return bearer != null;
    }
  }

  /**
   * The client's own backend session cookie, passed on (only where unsigned cookies are accepted):
   * exactly the value authentication read, and no other cookie.
   */
  public record ClientSession(String cookie) implements Credential {
    public ClientSession {
      Objects.requireNonNull(cookie, "cookie");
    }
  }

  /** The client's {@code Authorization: Basic}, passed on (only where password login is allowed). */
  public record ClientPassword() implements Credential {}

  /** No credentials at all: a guest request, or a CORS preflight. */
  public record Anonymous() implements Credential {}

  public Outbound {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(credential, "credential");
    if (!uri.startsWith("/")) {
      throw new IllegalArgumentException("uri must be an absolute path: " + uri);
    }
  }
}
