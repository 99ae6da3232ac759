package io.syncgate.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.syncgate.config.SessionPolicy;
import io.syncgate.failure.GatewayFailure;
import io.syncgate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignInLimitsTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));

  private SignInLimits limits(int perUserPerMinute, int perSecond) {
    return new SignInLimits(new SessionPolicy(Duration.ofHours(1), 100, List.of(), false, Duration.ofSeconds(30),
        perUserPerMinute, perSecond, Duration.ofHours(1), Duration.ofSeconds(5)), clock);
  }

  @Test
  void oneUsersFloodIsRefusedWithoutSlowingAnyoneElse() {
    SignInLimits limits = limits(2, 100);
    limits.take("todo", "ann");
    limits.take("todo", "ann");

    GatewayFailure refused = catchThrowableOfType(GatewayFailure.class, () -> limits.take("todo", "ann"));

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.retryAfterSeconds()).isBetween(1L, 30L);
    assertThatCode(() -> limits.take("todo", "bob")).doesNotThrowAnyException();
    assertThatCode(() -> limits.take("notes", "ann")).as("another database counts apart").doesNotThrowAnyException();
    clock.advance(Duration.ofMinutes(1));
    assertThatCode(() -> limits.take("todo", "ann")).doesNotThrowAnyException();
  }

  @Test
  void aSignInRefusedByTheTotalLimitCostsItsUserNothing() {
    SignInLimits limits = limits(2, 3);
    limits.take("todo", "a");
    limits.take("todo", "b");
    limits.take("todo", "c");

    GatewayFailure refused = catchThrowableOfType(GatewayFailure.class, () -> limits.take("todo", "d"));

    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.reason()).isEqualTo("too many sign-ins: try again later");
    clock.advance(Duration.ofSeconds(1));
    limits.take("todo", "d");
    assertThatCode(() -> limits.take("todo", "d")).as("d's refused sign-in was given back").doesNotThrowAnyException();
  }
}
