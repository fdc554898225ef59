package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class PrvSubsampledGaussianTest {
  private static final double[][] SETTINGS = {{1.0, 0.01}, {0.7, 0.2}, {2.0, 0.5}, {1.5, 0.9}};

  @Test
  void cdf_matchesTheLikelihoodRatioComputedFromTheDensities() {
    for (double[] s : SETTINGS) {
      PrvSubsampledGaussian prv = new PrvSubsampledGaussian(s[0], s[1]);
      SubsampledGaussianReference reference = new SubsampledGaussianReference(s[0], s[1]);
      for (double t : new double[] {prv.supportMin() / 2, -0.001, 0.0, 0.01, 0.3, 1.0, 2.5}) {
        assertThat(prv.cdf(t)).as("σ=%s q=%s t=%s", s[0], s[1], t)
            .isCloseTo(reference.cdf(t), within(1e-10));
      }
    }
  }

  /** E[Y; a < Y ≤ b] = b·F(b) − a·F(a) − ∫_a^b F(t) dt, with the reference CDF. */
  @Test
  void partialMean_matchesIntegrationByPartsOfTheReferenceCdf() {
    GaussIntegratorFactory factory = new GaussIntegratorFactory();
    for (double[] s : SETTINGS) {
      PrvSubsampledGaussian prv = new PrvSubsampledGaussian(s[0], s[1]);
      SubsampledGaussianReference reference = new SubsampledGaussianReference(s[0], s[1]);
      double a = 0.05;
      double b = 1.2;
      double integralOfCdf = 0;
      int pieces = 20;
      for (int i = 0; i < pieces; i++) {
        double lo = a + (b - a) * i / pieces;
        double hi = a + (b - a) * (i + 1) / pieces;
        integralOfCdf += factory.legendre(16, lo, hi).integrate(reference::cdf);
      }
      double expected = b * reference.cdf(b) - a * reference.cdf(a) - integralOfCdf;
      assertThat(prv.partialMean(a, b)).as("σ=%s q=%s", s[0], s[1])
          .isCloseTo(expected, within(1e-10));
    }
  }

  @Test
  void partialMean_overTheWholeSupport_isTheKlDivergence() {
    for (double[] s : SETTINGS) {
      PrvSubsampledGaussian prv = new PrvSubsampledGaussian(s[0], s[1]);
      double kl = new SubsampledGaussianReference(s[0], s[1]).klDivergence();
      assertThat(prv.partialMean(prv.supportMin() - 1, 40)).isCloseTo(kl, within(1e-12));
    }
  }

  @Test
  void survival_complementsTheCdf_andKeepsTinyTails() {
    PrvSubsampledGaussian prv = new PrvSubsampledGaussian(1.0, 0.01);
    for (double t : new double[] {-0.005, 0.0, 0.2, 1.0}) {
      assertThat(prv.survival(t) + prv.cdf(t)).isCloseTo(1.0, within(1e-15));
    }
    // Far in the tail 1 − cdf is 0 in double precision, the survival function is not:
    // S(t) ≈ q·Φ̄(σz − 1/(2σ)) with z = log(1 + (e^t − 1)/q).
    double t = 6.0;
    double z = Math.log1p(Math.expm1(t) / 0.01);
    double expected = 0.01 * new NormalDistribution(null, 0, 1).cumulativeProbability(0.5 - z);
    assertThat(prv.cdf(t)).isEqualTo(1.0);
    assertThat(prv.survival(t)).isCloseTo(expected, within(expected * 0.01)).isLessThan(1e-20);
  }

  @Test
  void cdf_withoutSubsampling_isTheGaussianPrv() {
    double sigma = 1.7;
    PrvSubsampledGaussian prv = new PrvSubsampledGaussian(sigma, 1.0);
    NormalDistribution gaussianPrv =
        new NormalDistribution(null, 1 / (2 * sigma * sigma), 1 / sigma);
    for (double t : new double[] {-2, -0.5, 0, 0.17, 1, 3}) {
      assertThat(prv.cdf(t)).isCloseTo(gaussianPrv.cumulativeProbability(t), within(1e-14));
    }
  }

  @Test
  void cdf_isZeroBelowTheSupport() {
    PrvSubsampledGaussian prv = new PrvSubsampledGaussian(1.0, 0.3);
    assertThat(prv.supportMin()).isEqualTo(Math.log(0.7), within(1e-15));
    assertThat(prv.cdf(prv.supportMin())).isZero();
    assertThat(prv.cdf(-5)).isZero();
    assertThat(prv.survival(-5)).isEqualTo(1.0);
  }

  @Test
  void quantiles_invertTheTails() {
    for (double[] s : SETTINGS) {
      PrvSubsampledGaussian prv = new PrvSubsampledGaussian(s[0], s[1]);
      for (double tail : new double[] {1e-3, 1e-9, 1e-15}) {
        assertThat(prv.survival(prv.upperQuantile(tail)))
            .isCloseTo(tail, within(tail * 1e-4));
        assertThat(prv.cdf(prv.lowerQuantile(tail))).isCloseTo(tail, within(tail * 1e-4));
      }
    }
  }
}
