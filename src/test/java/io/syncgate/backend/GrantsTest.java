package io.syncgate.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.config.Provisioning;
import io.syncgate.identity.Identity;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrantsTest {

  private static Identity identity(Map<String, Object> claims) {
    return new Identity("https://idp.example/", "u", "u", "u", Instant.EPOCH, Instant.EPOCH, claims);
  }

  private static Provisioning fromClaims(boolean allowWildcards) {
    return new Provisioning(true, "roles", "channels", List.of(), List.of("user-{name}"), null, allowWildcards);
  }

  @Test
  void wildcardChannelsFromClaimsAreDroppedUnlessTheDatabaseAllowsThem() {
    Identity claims = identity(Map.of("channels", "team-a,* !", "roles", List.of()));

    assertThat(Grants.of("todo", fromClaims(false), claims).channels()).containsExactlyInAnyOrder("team-a", "user-u");
    assertThat(Grants.of("todo", fromClaims(true), claims).channels())
        .containsExactlyInAnyOrder("team-a", "*", "!", "user-u");
  }

  @Test
  void namesSyncGatewayWouldRefuseAreDroppedTheRestKept() {
    Identity claims = identity(Map.of(
        "roles", List.of("editor", "a/b", "a:b", "a`b", "--", "x".repeat(240), "é"),
        "channels", List.of("ch-1", "ch,2", "")));

    Grants grants = Grants.of("todo", fromClaims(false), claims);

    assertThat(grants.roles()).containsExactlyInAnyOrder("editor", "é");
    assertThat(grants.channels()).containsExactlyInAnyOrder("ch-1", "user-u");
  }

  @Test
  void theOperatorsFixedListsPassAsWritten() {
    Provisioning fixed = new Provisioning(true, null, null, List.of("staff"), List.of("*"), null, false);

    assertThat(Grants.of("todo", fixed, identity(Map.of())).channels()).containsExactly("*");
  }

  @Test
  void grantsCompareAsSetsSoTheOrderSyncGatewayListsThemInUpdatesNoUser() {
    Grants fromToken = new Grants(Set.of("editor", "staff"), Set.of("team-a", "team-b"), "ann@example.com");
    Grants asSyncGatewayListsThem = new Grants(new LinkedHashSet<>(List.of("staff", "editor")),
        new LinkedHashSet<>(List.of("team-b", "team-a")), "ann@example.com");

    assertThat(asSyncGatewayListsThem).isEqualTo(fromToken);
    assertThat(new Grants(Set.of("editor"), Set.of("team-a", "team-b"), "ann@example.com")).isNotEqualTo(fromToken);
    assertThat(new Grants(Set.of("editor", "staff"), Set.of("team-a", "team-b"), null)).isNotEqualTo(fromToken);
  }

  @Test
  void claimsAndFixedListsMergeAndAnEmailIsTakenOnlyWhenTheClaimHasOneValue() {
    Provisioning both = new Provisioning(true, "roles", "channels", List.of("staff", "editor"), List.of("user-{name}"),
        "email", false);

    Grants grants = Grants.of("todo", both, identity(Map.of("roles", List.of("editor"), "channels", List.of("user-u"),
        "email", "u@example.com")));
    Grants twoEmails = Grants.of("todo", both, identity(Map.of("email", List.of("a@example.com", "b@example.com"))));

    assertThat(grants.roles()).containsExactlyInAnyOrder("editor", "staff");
    assertThat(grants.channels()).containsExactly("user-u");
    assertThat(grants.email()).isEqualTo("u@example.com");
    assertThat(twoEmails.email()).isNull();
  }
}
