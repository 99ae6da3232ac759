package io.syncgate.config;

/**
 * Which requests without a bearer token or session cookie Syncgate lets through. Both are off by
 * default: a credential-less request is refused, and so is a password (Basic) login to the backend.
 */
public record AccessPolicy(boolean allowGuest, boolean allowPasswordLogin) {

  public static final boolean DEFAULT_ALLOW_GUEST = false;
  public static final boolean DEFAULT_ALLOW_PASSWORD_LOGIN = false;
}
