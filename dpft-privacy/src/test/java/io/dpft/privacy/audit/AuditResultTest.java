package io.dpft.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AuditResultTest {

  /** 40 canaries, even ones included; losses that separate them perfectly. */
  private static final CanaryInclusion EVEN =
      CanaryInclusion.of(toBooleans(IntStream.range(0, 40).map(i -> i % 2 == 0 ? 1 : 0).toArray()));

  private static final double[] SEPARATING =
      IntStream.range(0, 40).mapToDouble(i -> i % 2 == 0 ? 0.1 : 2.0).toArray();

  @Test
  void perfectSeparation_givesTheAllCorrectClosedFormAndRefutesASmallClaim() {
    AuditResult result =
        AuditResult.of(
            SEPARATING, EVEN, new AuditSettings(40, 10, 0.95), OptionalDouble.of(0.5), 0);
    assertThat(result.guesses()).isEqualTo(new CanaryGuesses(40, 20, 20));
    double q = Math.pow(0.05, 1.0 / 20); // δ = 0, v = r: ε̂ = logit(0.05^(1/r))
    assertThat(result.epsilonLowerBound()).isCloseTo(Math.log(q / (1 - q)), within(1e-6));
    assertThat(result.refutesClaim()).isTrue();
  }

  @Test
  void aClaimAboveTheBound_orNoClaim_isNotRefuted() {
    AuditSettings settings = new AuditSettings(40, 10, 0.95);
    assertThat(AuditResult.of(SEPARATING, EVEN, settings, OptionalDouble.of(8), 1e-5)
            .refutesClaim())
        .isFalse();
    assertThat(AuditResult.of(SEPARATING, EVEN, settings, OptionalDouble.empty(), 1e-5)
            .refutesClaim())
        .isFalse();
  }

  @Test
  void settings_areChecked() {
    assertThatThrownBy(() -> new AuditSettings(1, 1, 0.95)).hasMessageContaining("canaries must");
    assertThatThrownBy(() -> new AuditSettings(10, 6, 0.95))
        .hasMessageContaining("guesses must be in [1, canaries/2] = [1, 5]");
    assertThatThrownBy(() -> new AuditSettings(10, 2, 1)).hasMessageContaining("confidence");
    assertThat(AuditSettings.defaultGuesses(1000)).isEqualTo(50);
    assertThat(AuditSettings.defaultGuesses(10)).isEqualTo(1);
  }

  private static boolean[] toBooleans(int[] bits) {
    boolean[] out = new boolean[bits.length];
    for (int i = 0; i < bits.length; i++) {
      out[i] = bits[i] == 1;
    }
    return out;
  }
}
