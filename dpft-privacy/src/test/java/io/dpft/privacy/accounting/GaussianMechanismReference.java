package io.dpft.privacy.accounting;

import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The exact privacy curve of the (non-subsampled) Gaussian mechanism with sensitivity 1 and
 * noise σ (Balle &amp; Wang, "Improving the Gaussian Mechanism for Differential Privacy", ICML
 * 2018, Theorem 8): δ(ε) = Φ(−εσ + 1/(2σ)) − e^ε·Φ(−εσ − 1/(2σ)). T steps with noise σ_i compose
 * to one step with 1/σ² = Σ T_i/σ_i². An independent reference for the PRV accountant at q = 1.
 */
final class GaussianMechanismReference {
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  private GaussianMechanismReference() {}

  /** The single-step σ equivalent to {@code steps} steps with noise {@code sigma} each. */
  static double composedSigma(double sigma, long steps) {
    return sigma / Math.sqrt(steps);
  }

  /** δ(ε) of the Gaussian mechanism with noise σ. */
  static double delta(double sigma, double epsilon) {
    double half = 1 / (2 * sigma);
    return STANDARD_NORMAL.cumulativeProbability(-epsilon * sigma + half)
        - Math.exp(epsilon) * STANDARD_NORMAL.cumulativeProbability(-epsilon * sigma - half);
  }

  /** The ε ≥ 0 with δ(ε) = {@code delta}, by Brent's method (δ(ε) decreases in ε). */
  static double epsilon(double sigma, double delta) {
    double hi = 1;
    while (delta(sigma, hi) > delta) {
      hi *= 2;
    }
    return new BrentSolver(1e-12).solve(10_000, e -> delta(sigma, e) - delta, 0, hi);
  }
}
