package io.syncgate.config;

import java.util.Objects;

/** Attributes of every session cookie Syncgate sets or rewrites; HttpOnly is always on. */
public record CookiePolicy(boolean secure, SameSite sameSite) {

  public static final boolean DEFAULT_SECURE = true;
  public static final SameSite DEFAULT_SAME_SITE = SameSite.LAX;

  public enum SameSite {
    STRICT("Strict"),
    LAX("Lax"),
    NONE("None");

    private final String attribute;

    SameSite(String attribute) {
      this.attribute = attribute;
    }

    public String attribute() {
      return attribute;
    }
  }

  public CookiePolicy {
    Objects.requireNonNull(sameSite, "sameSite");
    if (sameSite == SameSite.NONE && !secure) {
      throw new IllegalArgumentException("SameSite=None cookies must be Secure");
    }
  }
}
