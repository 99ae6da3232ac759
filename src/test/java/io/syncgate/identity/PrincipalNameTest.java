package io.syncgate.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrincipalNameTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "alice | alice",
      "f81d4fae-7dec-11d0-a765-00a0c91e6bf6 | f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
      "carol+tag@example.com | carol+tag@example.com",
      "\"auth0|5f7c\" | auth0%7C5f7c",
      "a/b | a%2Fb",
      "a:b,c`d | a%3Ab%2Cc%60d",
      "50% | 50%25",
      "\"two words\" | two%20words",
      "Zoë | Zo%C3%AB",
      "GUEST | %47UEST",
      "guest | %67uest",
      "... | %2E%2E%2E",
      "-_- | %2D%5F%2D",
  })
  void claimValuesBecomeValidSyncGatewayNames(String claim, String expected) {
    assertThat(PrincipalName.from(claim)).isEqualTo(expected);
  }

  @Test
  void everyNameIsOneSyncGatewayAccepts() {
    for (String claim : List.of("a", "GUEST", "..", "/", "ü", "x".repeat(500), "a,b", "%41")) {
      String name = PrincipalName.from(claim);
      assertThat(name).as(claim).doesNotContain("/", ":", ",", "`");
      assertThat(name.chars().anyMatch(Character::isLetterOrDigit)).as(claim).isTrue();
      assertThat(name.length()).as(claim).isLessThanOrEqualTo(PrincipalName.MAX_BYTES);
      assertThat(name).as(claim).isNotEqualTo("GUEST");
    }
  }

  @Test
  void differentClaimsNeverShareAName() {
    List<String> claims = List.of("GUEST", "%47UEST", "guest", "%67uest", "...", "%2E%2E%2E", "%2E..",
        "a%7Cb", "a|b", "x".repeat(300), "x".repeat(301), "~sha256~", "a b", "a%20b", "-", "%2D", "%", "%25");
    Map<String, String> seen = new HashMap<>();
    for (String claim : claims) {
      String previous = seen.put(PrincipalName.from(claim), claim);
      assertThat(previous).as("%s and %s map to one name", previous, claim).isNull();
    }
  }

  @Test
  void longValuesAreHashedDeterministically() {
    String name = PrincipalName.from("x".repeat(300));

    assertThat(name).matches("~sha256~[0-9a-f]{64}").isEqualTo(PrincipalName.from("x".repeat(300)));
  }

  @Test
  void anEmptyClaimNamesNobody() {
    assertThat(PrincipalName.from("")).isNull();
    assertThat(PrincipalName.from(null)).isNull();
  }
}
