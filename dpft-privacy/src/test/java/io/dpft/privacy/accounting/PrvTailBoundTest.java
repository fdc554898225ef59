package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class PrvTailBoundTest {

  /** Without subsampling the composed PRV is N(T/(2σ²), T/σ²): the bound must cover its tail. */
  @Test
  void upperQuantile_withoutSubsampling_coversTheExactGaussianQuantile() {
    double sigma = 3.0;
    long steps = 50;
    NormalDistribution composed =
        new NormalDistribution(null, steps / (2 * sigma * sigma), Math.sqrt(steps) / sigma);
    for (double tail : new double[] {1e-3, 1e-8, 1e-12}) {
      double exact = composed.inverseCumulativeProbability(1 - tail);
      double bound = PrvTailBound.upperQuantile(List.of(new MechanismSegment(sigma, 1, steps)), tail);
      assertThat(bound).as("tail %s", tail).isGreaterThanOrEqualTo(exact).isLessThan(1.5 * exact);
    }
  }

  /** One subsampled step: the reference likelihood-ratio CDF must put at most the tail above. */
  @Test
  void upperQuantile_ofOneSubsampledStep_coversTheReferenceTail() {
    for (double[] s : new double[][] {{1.0, 0.1}, {0.7, 0.02}}) {
      SubsampledGaussianReference reference = new SubsampledGaussianReference(s[0], s[1]);
      for (double tail : new double[] {1e-3, 1e-6}) {
        double bound =
            PrvTailBound.upperQuantile(List.of(new MechanismSegment(s[0], s[1], 1)), tail);
        assertThat(1 - reference.cdf(bound)).as("σ=%s q=%s tail %s", s[0], s[1], tail)
            .isLessThanOrEqualTo(tail);
      }
    }
  }

  @Test
  void upperQuantile_dependsOnlyOnTheTotalStepsPerSetting() {
    double merged =
        PrvTailBound.upperQuantile(List.of(new MechanismSegment(1.0, 0.02, 1000)), 1e-9);
    double split =
        PrvTailBound.upperQuantile(
            List.of(new MechanismSegment(1.0, 0.02, 400), new MechanismSegment(1.0, 0.02, 600)),
            1e-9);
    assertThat(split).isCloseTo(merged, within(1e-9));
  }
}
