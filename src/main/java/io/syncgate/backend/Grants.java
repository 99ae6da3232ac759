package io.syncgate.backend;

import io.syncgate.config.Provisioning;
import io.syncgate.identity.Identity;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a user is given in a database, from its verified claims and the database's provisioning:
 * SG's {@code admin_roles} and {@code admin_channels} (sets: order and repeats do not count) and
 * {@code email} (null: none).
 */
public record Grants(Set<String> roles, Set<String> channels, String email) {

  public Grants {
    roles = Set.copyOf(new TreeSet<>(roles));
    channels = Set.copyOf(new TreeSet<>(channels));
  }

  public static Grants of(Provisioning provisioning, Identity identity) {
    Set<String> roles = new TreeSet<>();
    Set<String> channels = new TreeSet<>();
    if (provisioning.rolesClaim() != null) {
      roles.addAll(identity.claimValues(provisioning.rolesClaim()));
    }
    if (provisioning.channelsClaim() != null) {
      channels.addAll(identity.claimValues(provisioning.channelsClaim()));
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

  private static String fill(String template, Identity identity) {
    return template.replace("{name}", identity.username());
  }
}
