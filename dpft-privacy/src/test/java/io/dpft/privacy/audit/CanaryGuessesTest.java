package io.dpft.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.privacy.random.StreamKey;
import org.junit.jupiter.api.Test;

class CanaryGuessesTest {

  @Test
  void lowestLossesAreGuessedIn_highestOut() {
    // canaries 0..5; included: 0, 2, 5. Losses rank them 2 < 0 < 4 < 1 < 5 < 3.
    CanaryInclusion inclusion = CanaryInclusion.of(true, false, true, false, false, true);
    double[] losses = {0.2, 0.9, 0.1, 3.0, 0.5, 1.5};
    // 1 per side: in = {2} (right), out = {3} (right)
    assertThat(CanaryGuesses.fromLosses(losses, inclusion, 1))
        .isEqualTo(new CanaryGuesses(6, 2, 2));
    // 2 per side: in = {2, 0} (both right), out = {3, 5} (5 was included: wrong)
    assertThat(CanaryGuesses.fromLosses(losses, inclusion, 2))
        .isEqualTo(new CanaryGuesses(6, 4, 3));
    // 3 per side: in = {2, 0, 4} (4 wrong), out = {3, 5, 1} (5 wrong)
    assertThat(CanaryGuesses.fromLosses(losses, inclusion, 3))
        .isEqualTo(new CanaryGuesses(6, 6, 4));
  }

  @Test
  void equalLosses_areOrderedByIndex() {
    CanaryInclusion inclusion = CanaryInclusion.of(true, false, false, true);
    assertThat(CanaryGuesses.fromLosses(new double[4], inclusion, 1))
        .isEqualTo(new CanaryGuesses(4, 2, 1)); // in = {0} (right), out = {3} (wrong)
  }

  @Test
  void badInputs_throw() {
    CanaryInclusion inclusion = CanaryInclusion.of(true, false, true);
    assertThatThrownBy(() -> CanaryGuesses.fromLosses(new double[2], inclusion, 1))
        .hasMessageContaining("2 losses for 3 canaries");
    assertThatThrownBy(() -> CanaryGuesses.fromLosses(new double[3], inclusion, 2))
        .hasMessageContaining("guesses must be in [1, canaries/2]");
    assertThatThrownBy(
            () -> CanaryGuesses.fromLosses(new double[] {0, Double.NaN, 1}, inclusion, 1))
        .hasMessageContaining("canary 1 is NaN");
  }

  @Test
  void inclusion_isAboutHalf_andReproducibleFromASeed() {
    CanaryInclusion a = CanaryInclusion.draw(10_000, StreamKey.fromSeed("test", 7));
    CanaryInclusion b = CanaryInclusion.draw(10_000, StreamKey.fromSeed("test", 7));
    assertThat(a).isEqualTo(b);
    // Binomial(10000, 1/2): sd 50; 5 sd either side fails with probability < 1e-6
    assertThat(a.includedIndices().length).isBetween(5000 - 250, 5000 + 250);
    assertThat(CanaryInclusion.draw(10_000, StreamKey.fromSeed("test", 8))).isNotEqualTo(a);
  }
}
