package io.dpft.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EpsilonLowerBoundTest {
  private static final double CONFIDENCE = 0.95;

  @Test
  void paperAppendixDExample_1000Canaries100Guesses75Correct_is0673() {
    // Steinke, Nasr, Jagielski, arXiv:2305.08846v1, Appendix D: get_eps_audit(m = 1000, r = 100,
    // v = 75, δ = 1e-4, p = 0.05) prints 0.673
    double bound = EpsilonLowerBound.of(new CanaryGuesses(1000, 100, 75), 1e-4, CONFIDENCE);
    assertThat(bound).isCloseTo(0.673, within(5e-4));
  }

  @Test
  void paperSection7Figure_is2675() {
    // arXiv:2305.08846v1 §7: m = 100000 canaries, r = 1510 guesses, v = 1439 correct at
    // δ = 1e-5 give ε̂ = 2.675 (printed truncated; SciPy's binom in the paper's code: 2.67585)
    double bound = EpsilonLowerBound.of(new CanaryGuesses(100_000, 1510, 1439), 1e-5, CONFIDENCE);
    assertThat(bound).isCloseTo(2.6759, within(1e-3));
  }

  @Test
  void allCorrectWithoutDelta_matchesTheClosedForm() {
    // δ = 0, v = r: p(ε) = q^r, so ε̂ = logit((1 − confidence)^(1/r))
    for (int r : new int[] {1, 10, 100, 1000}) {
      double q = Math.pow(1 - CONFIDENCE, 1.0 / r);
      double closedForm = Math.log(q / (1 - q));
      assertThat(EpsilonLowerBound.of(new CanaryGuesses(1000, r, r), 0, CONFIDENCE))
          .as("r = %d", r)
          .isCloseTo(Math.max(0, closedForm), within(1e-6));
    }
  }

  @Test
  void pValue_withoutDelta_isTheBinomialTail() {
    // δ = 0, ε = 0: q = 1/2, P[Binomial(4, 1/2) >= 3] = (4 + 1)/16
    assertThat(EpsilonLowerBound.pValue(new CanaryGuesses(10, 4, 3), 0, 0))
        .isCloseTo(5.0 / 16, within(1e-12));
  }

  @Test
  void pValue_deltaTerm_isTwoMDeltaTimesTheLargestAverageMassBelowV() {
    // ε = 0, r = 2, v = 2: tail 1/4; P[B = 1] = 1/2 (i = 1), (P[B = 1] + P[B = 0])/2 = 3/8 (i = 2)
    // so α = 1/2 and p = 1/4 + 2·m·δ·1/2 with m = 10, δ = 0.01
    assertThat(EpsilonLowerBound.pValue(new CanaryGuesses(10, 2, 2), 0, 0.01))
        .isCloseTo(0.25 + 2 * 10 * 0.01 * 0.5, within(1e-12));
  }

  @Test
  void independentScipyValues() {
    // the paper's Appendix D code run with SciPy 1.17 (scipy.stats.binom)
    assertThat(EpsilonLowerBound.of(new CanaryGuesses(1000, 200, 150), 1e-5, CONFIDENCE))
        .isCloseTo(0.81997, within(1e-4));
    assertThat(EpsilonLowerBound.of(new CanaryGuesses(64, 32, 28), 1e-5, CONFIDENCE))
        .isCloseTo(1.027, within(1e-3));
    assertThat(EpsilonLowerBound.of(new CanaryGuesses(1000, 1000, 1000), 1e-5, CONFIDENCE))
        .isCloseTo(5.782, within(1e-3));
  }

  @Test
  void chanceLevelGuesses_giveZero() {
    assertThat(EpsilonLowerBound.of(new CanaryGuesses(1000, 100, 50), 1e-5, CONFIDENCE)).isZero();
    assertThat(EpsilonLowerBound.of(new CanaryGuesses(1000, 0, 0), 1e-5, CONFIDENCE)).isZero();
  }

  @Test
  void theBound_isRejectedAtItsValueAndNotAboveIt() {
    CanaryGuesses guesses = new CanaryGuesses(500, 60, 52);
    double bound = EpsilonLowerBound.of(guesses, 1e-5, CONFIDENCE);
    assertThat(EpsilonLowerBound.pValue(guesses, bound, 1e-5)).isLessThanOrEqualTo(0.05);
    assertThat(EpsilonLowerBound.pValue(guesses, bound + 1e-6, 1e-5)).isGreaterThan(0.05);
  }

  @Test
  void moreCorrectGuesses_giveALargerBound() {
    double previous = -1;
    for (int v = 60; v <= 100; v += 5) {
      double bound = EpsilonLowerBound.of(new CanaryGuesses(1000, 100, v), 1e-5, CONFIDENCE);
      assertThat(bound).isGreaterThan(previous);
      previous = bound;
    }
  }

  @Test
  void badArguments_throwNamingTheParameter() {
    CanaryGuesses guesses = new CanaryGuesses(10, 4, 3);
    assertThatThrownBy(() -> EpsilonLowerBound.of(guesses, 1, CONFIDENCE))
        .hasMessageContaining("delta must be in [0, 1)");
    assertThatThrownBy(() -> EpsilonLowerBound.of(guesses, 0, 1.0))
        .hasMessageContaining("confidence must be in (0, 1)");
    assertThatThrownBy(() -> new CanaryGuesses(10, 4, 5))
        .hasMessageContaining("correct <= guesses");
  }
}
