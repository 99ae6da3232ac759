package io.syncgate.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Claim values as provisioning reads them: by a whole (namespaced) name, or by a path. */
class IdentityTest {

  private static Identity with(Map<String, Object> claims) {
    return new Identity("https://idp.example/", "s", "s", "s", Instant.EPOCH, Instant.EPOCH, claims);
  }

  @Test
  void aNamespacedClaimIsReadByItsWholeNameDotsAndAll() {
    Identity identity = with(Map.of("https://sync.example.com/roles", List.of("editor", "viewer")));

    assertThat(identity.claimValues("https://sync.example.com/roles")).containsExactly("editor", "viewer");
  }

  @Test
  void aPathReadsIntoNestedObjectsAndAStringSplitsAtSpacesAndCommas() {
    Identity identity = with(Map.of("realm_access", Map.of("roles", List.of("admin", "user")), "scope", "a b,c"));

    assertThat(identity.claimValues("realm_access.roles")).containsExactly("admin", "user");
    assertThat(identity.claimValues("scope")).containsExactly("a", "b", "c");
    assertThat(identity.claimValues("realm_access.missing")).isEmpty();
    assertThat(identity.claimValues("scope.deeper")).isEmpty();
  }
}
