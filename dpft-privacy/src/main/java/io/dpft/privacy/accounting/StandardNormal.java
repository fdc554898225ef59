package io.dpft.privacy.accounting;

import org.apache.commons.math3.special.Erf;

/**
 * The logarithm of the standard normal CDF, log Φ(x), accurate far into the lower tail where Φ
 * itself underflows. The accountants multiply tiny tail probabilities by huge factors (e.g.
 * {@code exp(k²/2σ²)·Φ(−k/σ)}), so they work with log Φ.
 *
 * <p>For x ≥ −20, Φ comes from commons-math's {@link Erf#erfc} (relative accuracy ~1e-15 while
 * the result is a normal double). Below, the asymptotic (Laplace) expansion of Mills' ratio
 * (Abramowitz &amp; Stegun 26.2.12): Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + …), whose
 * terms at |x| ≥ 20 fall below 1e-17 after a handful of terms.
 */
final class StandardNormal {
  private static final double SQRT2 = Math.sqrt(2.0);
  private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
  private static final double ASYMPTOTIC_BELOW = -20.0;

  private StandardNormal() {}

  /** log Φ(x) for any finite x (−∞ only for x = −∞). */
  static double logCdf(double x) {
    if (x >= 0) {
      return Math.log1p(-0.5 * Erf.erfc(x / SQRT2));
    }
    if (x >= ASYMPTOTIC_BELOW) {
      return Math.log(0.5 * Erf.erfc(-x / SQRT2));
    }
    if (x == Double.NEGATIVE_INFINITY) {
      return Double.NEGATIVE_INFINITY;
    }
    double inverseSquare = 1.0 / (x * x);
    double term = 1.0;
    double series = 1.0;
    for (int n = 1; n < 30 && Math.abs(term) > 1e-18; n++) {
      term *= -(2 * n - 1) * inverseSquare;
      series += term;
    }
    return -0.5 * x * x - Math.log(-x) - HALF_LOG_TWO_PI + Math.log(series);
  }
}
