package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class PrvTailBoundTest {

  /** A_α = E_P[(Q/P)^α], integrated numerically over the output with the reference densities. */
  @Test
  void logMoment_matchesNumericalIntegrationOverTheOutput() {
    for (double[] s : new double[][] {{1.0, 0.01}, {0.8, 0.1}, {2.0, 0.5}}) {
      double sigma = s[0];
      double q = s[1];
      SubsampledGaussianReference reference = new SubsampledGaussianReference(sigma, q);
      NormalDistribution absent = new NormalDistribution(null, 0, sigma);
      for (int order : new int[] {2, 5, 12}) {
        double integral =
            integrate(
                x -> absent.density(x) * Math.exp(order * reference.logLikelihoodRatio(x)),
                -12 * sigma,
                12 * sigma + order,
                sigma / 4);
        assertThat(PrvTailBound.logMoment(sigma, q, order))
            .as("σ=%s q=%s α=%s", sigma, q, order)
            .isCloseTo(Math.log(integral), within(1e-9));
      }
    }
  }

  /** 32-point Gauss–Legendre on pieces of width about {@code piece}, summed. */
  private static double integrate(UnivariateFunction f, double a, double b, double piece) {
    GaussIntegratorFactory factory = new GaussIntegratorFactory();
    int pieces = (int) Math.ceil((b - a) / piece);
    double width = (b - a) / pieces;
    double sum = 0;
    for (int i = 0; i < pieces; i++) {
      sum += factory.legendre(32, a + i * width, a + (i + 1) * width).integrate(f);
    }
    return sum;
  }

  @Test
  void logMoment_nearFullSampling_approachesTheGaussianMoment() {
    double sigma = 1.3;
    for (int order : new int[] {2, 7, 30}) {
      double gaussian = order * (order - 1) / (2 * sigma * sigma);
      assertThat(PrvTailBound.logMoment(sigma, 1.0, order)).isCloseTo(gaussian, within(1e-12));
      assertThat(PrvTailBound.logMoment(sigma, 1 - 1e-12, order))
          .isCloseTo(gaussian, within(1e-8));
    }
  }

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
