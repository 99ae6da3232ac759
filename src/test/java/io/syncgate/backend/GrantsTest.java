package io.syncgate.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.syncgate.config.Provisioning;
import io.syncgate.identity.Identity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
}
