package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrvCompositionTest {

  /** One subsampled step: δ(ε) exactly from the optimal test of the reference densities. */
  @Test
  void delta_ofOneSubsampledStep_boundsTheExactCurve() {
    for (double[] s : new double[][] {{0.8, 0.1}, {0.5, 0.5}, {1.0, 0.02}}) {
      SubsampledGaussianReference reference = new SubsampledGaussianReference(s[0], s[1]);
      PrvComposition composition =
          PrvComposition.of(List.of(new MechanismSegment(s[0], s[1], 1)), 0.01, 1e-10);
      for (double eps : new double[] {0.0, 0.1, 0.5, 1.0, 2.0}) {
        double exact = reference.delta(eps);
        PrvComposition.DeltaBounds bounds = composition.delta(eps);
        assertThat(bounds.deltaLower()).as("σ=%s q=%s ε=%s", s[0], s[1], eps)
            .isLessThanOrEqualTo(exact);
        assertThat(bounds.deltaUpper()).as("σ=%s q=%s ε=%s", s[0], s[1], eps)
            .isGreaterThanOrEqualTo(exact);
        assertThat(bounds.delta()).isCloseTo(exact, within(Math.max(1e-9, 1e-3 * exact)));
      }
    }
  }

  @Test
  void epsilonEstimate_invertsDeltaEstimate() {
    PrvComposition composition =
        PrvComposition.of(List.of(new MechanismSegment(1.2, 0.03, 700)), 0.01, 1e-9);
    for (double eps : new double[] {0.5, 1.5, 3.0}) {
      double delta = composition.deltaEstimate(eps);
      assertThat(composition.epsilonEstimate(delta)).isCloseTo(eps, within(1e-9));
    }
    assertThat(composition.epsilonEstimate(0.999)).isZero();
  }

  @Test
  void epsilon_deltaNotAboveDeltaError_throws() {
    PrvComposition composition =
        PrvComposition.of(List.of(new MechanismSegment(1.0, 0.01, 10)), 0.01, 1e-6);
    assertThatThrownBy(() -> composition.epsilon(1e-6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deltaError");
  }
}
