package io.syncgate.config;

import java.util.List;

/**
 * How Syncgate provisions the Sync Gateway users of one database from verified claims.
 *
 * @param autoRegister whether a user SG does not know is created at first sign-in (off: 403)
 * @param rolesClaim claim path ({@code a.b}) whose values become {@code admin_roles}; null for none
 * @param channelsClaim claim path whose values become {@code admin_channels}; null for none
 * @param roles roles every user gets; {@code {name}} stands for the user's SG name
 * @param channels channels every user gets, e.g. {@code user-{name}}
 * @param emailClaim claim path whose value becomes the user's {@code email}; null for none
 * @param allowWildcardChannels whether a claim may grant SG's special channels {@code *} (every
 *     document) and {@code !} (the public channel); off, they are dropped with a warning
 */
public record Provisioning(boolean autoRegister, String rolesClaim, String channelsClaim, List<String> roles,
    List<String> channels, String emailClaim, boolean allowWildcardChannels) {

  public static final boolean DEFAULT_AUTO_REGISTER = true;
  public static final boolean DEFAULT_ALLOW_WILDCARD_CHANNELS = false;

  public Provisioning {
    roles = List.copyOf(roles);
    channels = List.copyOf(channels);
  }

  /** Nothing configured: Syncgate creates users without grants and never rewrites existing ones. */
  public static Provisioning none() {
    return new Provisioning(DEFAULT_AUTO_REGISTER, null, null, List.of(), List.of(), null,
        DEFAULT_ALLOW_WILDCARD_CHANNELS);
  }

  /** Whether Syncgate owns the users' grants (and so writes them when the claims change). */
  public boolean managesGrants() {
    return rolesClaim != null || channelsClaim != null || !roles.isEmpty() || !channels.isEmpty() || emailClaim != null;
  }
}
