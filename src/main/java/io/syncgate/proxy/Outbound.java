package io.syncgate.proxy;

import java.util.Objects;

/**
 * What to send the backend for one inbound request, decided by authentication.
 *
 * @param uri the backend path and query: the raw inbound path without the base path, so
 *     percent-encoded bytes such as {@code %2F} in document ids reach the backend as sent
 * @param credential how the backend request is authenticated
 * @param onRefused called when the backend answers 401, e.g. to forget a cached session
 */
public record Outbound(String uri, Credential credential, Runnable onRefused) {

  /** How the backend request is authenticated; the client's own credentials go nowhere else. */
  public sealed interface Credential {}

  /**
   * A backend session Syncgate holds for a bearer client, presented as {@code cookie}
   * ({@code name=value}). The client never sees it: backend {@code Set-Cookie}s are dropped.
   */
  public record HeldSession(String cookie) implements Credential {
    @Override
    public String toString() {
      return "HeldSession[…]";
    }
  }

  /** The client's own session cookie, passed on for the backend to check. */
  public record ClientSession() implements Credential {}

  /** The client's {@code Authorization: Basic}, passed on (only where password login is allowed). */
  public record ClientPassword() implements Credential {}

  /** No credentials at all: a guest request, or a CORS preflight. */
  public record Anonymous() implements Credential {}

  private static final Runnable NOTHING = () -> {};

  public Outbound {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(credential, "credential");
    Objects.requireNonNull(onRefused, "onRefused");
    if (!uri.startsWith("/")) {
      throw new IllegalArgumentException("uri must be an absolute path: " + uri);
    }
  }

  public Outbound(String uri, Credential credential) {
    this(uri, credential, NOTHING);
  }
}
