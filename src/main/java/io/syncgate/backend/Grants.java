package io.syncgate.backend;

import io.syncgate.config.Provisioning;
import io.syncgate.identity.Identity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a user is given in a database, from its verified claims and the database's provisioning:
 * SG's {@code admin_roles} and {@code admin_channels} (sets: order and repeats do not count) and
 * {@code email} (null: none).
 *
 * <p>A claim is the identity provider's to fill, and often the user's to influence (a profile
 * field, a group they may create). So values read from claims are checked before they become
 * grants: SG's special channels {@code *} (every document) and {@code !} (the public channel) are
 * dropped unless the database allows them, and so is any name Sync Gateway would refuse, which
 * would otherwise fail the whole user update. The configured fixed lists are the operator's and
 * pass as written.
 */
public record Grants(Set<String> roles, Set<String> channels, String email) {

  private static final Logger log = LoggerFactory.getLogger(Grants.class);

  /** SG's {@code *}: every channel, so every document of the database. */
  static final String ALL_CHANNELS = "*";
  /** SG's {@code !}: the public channel, which every user reads. */
  static final String PUBLIC_CHANNEL = "!";
  /** SG's longest principal name (auth.MaxPrincipalNameLen), in bytes. */
  static final int MAX_ROLE_BYTES = 239;

  public Grants {
    roles = Set.copyOf(new TreeSet<>(roles));
    channels = Set.copyOf(new TreeSet<>(channels));
  }

  /** The grants of {@code identity} in {@code db} under {@code provisioning}. */
  public static Grants of(String db, Provisioning provisioning, Identity identity) {
    Set<String> roles = new TreeSet<>();
    Set<String> channels = new TreeSet<>();
    if (provisioning.rolesClaim() != null) {
      for (String role : identity.claimValues(provisioning.rolesClaim())) {
        String refused = refusedRole(role);
        if (refused == null) {
          roles.add(role);
        } else {
          dropped(db, identity, "role", role, provisioning.rolesClaim(), refused);
        }
      }
    }
    if (provisioning.channelsClaim() != null) {
      for (String channel : identity.claimValues(provisioning.channelsClaim())) {
        String refused = refusedChannel(channel, provisioning.allowWildcardChannels());
        if (refused == null) {
          channels.add(channel);
        } else {
          dropped(db, identity, "channel", channel, provisioning.channelsClaim(), refused);
        }
      }
    }
    provisioning.roles().forEach(role -> roles.add(fill(role, identity)));
    provisioning.channels().forEach(channel -> channels.add(fill(channel, identity)));
    String email = null;
    if (provisioning.emailClaim() != null) {
      List<String> values = identity.claimValues(provisioning.emailClaim());
      email = values.size() == 1 ? values.get(0) : null;
    }
    return new Grants(roles, channels, email);
  }

  /**
   * Why SG would refuse {@code role} as a role name (its IsValidPrincipalName: valid UTF-8, at most
   * 239 bytes, no {@code / : , `}, at least one letter or digit), or null when it would not.
   */
  static String refusedRole(String role) {
    if (role.getBytes(StandardCharsets.UTF_8).length > MAX_ROLE_BYTES) {
      return "longer than Sync Gateway allows";
    }
    if (role.chars().anyMatch(c -> c == '/' || c == ':' || c == ',' || c == '`')) {
      return "Sync Gateway refuses / : , and ` in names";
    }
    if (role.codePoints().noneMatch(Character::isLetterOrDigit)) {
      return "Sync Gateway needs a letter or digit in a name";
    }
    return null;
  }

  /** Why {@code channel} may not be granted from a claim (SG's IsValidChannel: not empty, no comma), or null. */
  static String refusedChannel(String channel, boolean allowWildcards) {
    if (!allowWildcards && (channel.equals(ALL_CHANNELS) || channel.equals(PUBLIC_CHANNEL))) {
      return "a special channel of Sync Gateway, granted from claims only with allow_wildcard_channels";
    }
    if (channel.isEmpty() || channel.indexOf(',') >= 0) {
      return "Sync Gateway refuses commas in channel names";
    }
    return null;
  }

  private static void dropped(String db, Identity identity, String what, String value, String claim, String why) {
    log.warn("dropped the {} {} that claim {} gives user {} in {}: {}", what, printable(value), claim,
        identity.username(), db, why);
  }

  /** A claim value as a log line may carry it: quoted, short, with nothing that could break the line. */
  private static String printable(String value) {
    StringBuilder out = new StringBuilder("\"");
    value.codePoints().limit(64).forEach(c -> {
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c > 0x7e) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append((char) c);
      }
    });
    return out.append(value.codePointCount(0, value.length()) > 64 ? "…\"" : "\"").toString();
  }

  private static String fill(String template, Identity identity) {
    return template.replace("{name}", identity.username());
  }
}
