package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.integration.IterativeLegendreGaussIntegrator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks the per-step RDP of the subsampled Gaussian against an independent computation: the
 * Rényi divergence D_α between μ = (1−q)N(0,σ²) + qN(1,σ²) and μ₀ = N(0,σ²), integrated
 * numerically in both directions (the mechanism's RDP is the larger of the two).
 */
class RdpMathTest {
  private static final String SETTINGS =
      """
      0.01, 1.0
      0.04, 1.5
      0.1,  0.8
      0.3,  0.6
      0.5,  2.0
      """;

  @ParameterizedTest(name = "q={0}, sigma={1}")
  @CsvSource(textBlock = SETTINGS)
  void integerOrders_matchNumericalRenyiDivergence(double q, double sigma) {
    for (int alpha = 2; alpha <= 10; alpha++) {
      assertThat(RdpMath.stepRdp(q, sigma, alpha))
          .as("alpha=%d", alpha)
          .isCloseTo(renyiDivergenceByQuadrature(q, sigma, alpha), withinRelative(1e-8));
    }
  }

  @ParameterizedTest(name = "q={0}, sigma={1}")
  @CsvSource(textBlock = SETTINGS)
  void fractionalOrders_matchNumericalRenyiDivergence(double q, double sigma) {
    for (double alpha : new double[] {1.1, 1.5, 2.5, 3.7, 5.25, 8.9}) {
      double expected = renyiDivergenceByQuadrature(q, sigma, alpha);
      // The series stops at a documented absolute excess of at most 1e-12 / (alpha - 1).
      assertThat(RdpMath.stepRdp(q, sigma, alpha))
          .as("alpha=%s", alpha)
          .isCloseTo(expected, within(1e-8 * expected + 1e-12 / (alpha - 1)));
    }
  }

  @ParameterizedTest(name = "q={0}, sigma={1}")
  @CsvSource(textBlock = SETTINGS)
  void fractionalOrders_areMonotoneBetweenIntegerNeighbours(double q, double sigma) {
    double previous = 0.0;
    for (int tenths = 11; tenths <= 109; tenths++) {
      double alpha = tenths / 10.0;
      double rdp = RdpMath.stepRdp(q, sigma, alpha);
      assertThat(rdp).as("alpha=%s", alpha).isGreaterThanOrEqualTo(previous);
      if (tenths % 10 != 0) {
        double below = alpha < 2 ? 0.0 : RdpMath.stepRdp(q, sigma, Math.floor(alpha));
        assertThat(rdp)
            .isBetween(
                below * (1 - 1e-12), RdpMath.stepRdp(q, sigma, Math.ceil(alpha)) * (1 + 1e-12));
      }
      previous = rdp;
    }
  }

  @Test
  void fullBatch_isTheGaussianMechanism() {
    for (double alpha : new double[] {1.5, 2, 10, 63}) {
      assertThat(RdpMath.stepRdp(1.0, 1.3, alpha)).isEqualTo(alpha / (2 * 1.3 * 1.3));
    }
  }

  @Test
  void nearlyFullBatch_approachesTheGaussianMechanism() {
    assertThat(RdpMath.stepRdp(1 - 1e-9, 1.3, 4.5))
        .isCloseTo(4.5 / (2 * 1.3 * 1.3), withinRelative(1e-6));
  }

  @Test
  void conversion_isTheBalleEtAlFormula() {
    double alpha = 8;
    double rdp = 0.7;
    double delta = 1e-5;
    double expected = rdp + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / 7;
    assertThat(RdpMath.epsilon(rdp, alpha, delta)).isCloseTo(expected, within(1e-14));
  }

  private static org.assertj.core.data.Percentage withinRelative(double relative) {
    return org.assertj.core.data.Percentage.withPercentage(100 * relative);
  }

  /**
   * max(D_α(μ‖μ₀), D_α(μ₀‖μ)) by adaptive Gauss–Legendre quadrature. With r(z) = μ(z)/μ₀(z) = 1
   * + q·(e^{(2z−1)/(2σ²)} − 1): D_α(μ‖μ₀) = log(1 + ∫ φ_σ (r^α − 1)) / (α − 1) and D_α(μ₀‖μ) =
   * log(1 + ∫ φ_σ (r^{1−α} − 1)) / (α − 1); subtracting 1 inside keeps the small integrals exact.
   */
  static double renyiDivergenceByQuadrature(double q, double sigma, double alpha) {
    double forward = integrate(z -> phiTimesPowerMinusOne(z, q, sigma, alpha), sigma, alpha);
    double backward = integrate(z -> phiTimesPowerMinusOne(z, q, sigma, 1 - alpha), sigma, alpha);
    return Math.max(Math.log1p(forward), Math.log1p(backward)) / (alpha - 1);
  }

  /** φ_σ(z) · (r(z)^power − 1), in logs where r^power would overflow. */
  private static double phiTimesPowerMinusOne(double z, double q, double sigma, double power) {
    double logPhi = -z * z / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    double logRatio = Math.log1p(q * Math.expm1((2 * z - 1) / (2 * sigma * sigma)));
    double exponent = power * logRatio;
    return exponent < 1
        ? Math.exp(logPhi) * Math.expm1(exponent)
        : Math.exp(logPhi + exponent) - Math.exp(logPhi);
  }

  /** ∫ over [−20σ, α + 20σ] (the integrands' mass lies around 0 and around α), piecewise. */
  private static double integrate(UnivariateFunction f, double sigma, double alpha) {
    IterativeLegendreGaussIntegrator integrator =
        new IterativeLegendreGaussIntegrator(16, 1e-13, 1e-300);
    double lower = -20 * sigma;
    double upper = alpha + 20 * sigma;
    int pieces = (int) Math.ceil((upper - lower) / (sigma / 2));
    double width = (upper - lower) / pieces;
    double sum = 0;
    for (int i = 0; i < pieces; i++) {
      sum += integrator.integrate(100_000, f, lower + i * width, lower + (i + 1) * width);
    }
    return sum;
  }
}
