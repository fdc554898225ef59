package io.dpft.privacy.accounting;

/**
 * Rényi differential privacy of one step of the Poisson-subsampled Gaussian mechanism, and its
 * conversion to (ε, δ). Pure functions of (q, σ, α).
 *
 * <p><b>RDP of one step.</b> With μ₀ = N(0, σ²), μ₁ = N(1, σ²) and the mixture μ = (1 − q)μ₀ +
 * qμ₁, the mechanism is (α, ε_α)-RDP with ε_α = log A_α / (α − 1), A_α = E_{z∼μ₀}[(μ(z)/μ₀(z))^α]
 * (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
 * arXiv:1908.10530; they show that this direction dominates the reverse one). A_α is computed as:
 *
 * <ul>
 *   <li>q = 1: the Gaussian mechanism itself, ε_α = α / (2σ²);
 *   <li>integer α: the binomial expansion A_α = Σ_{k=0}^{α} C(α,k) (1−q)^{α−k}
 *       q^k exp((k² − k)/(2σ²)), summed in log space (log-sum-exp) so that large α and small σ
 *       do not overflow;
 *   <li>fractional α (their Section 3.3): the line z₀ = σ² log(1/q − 1) + ½ where q·μ₁/μ₀ =
 *       1 − q splits the integral into two convergent generalised binomial series, A_α = Σ_k
 *       C(α,k) (1−q)^{α−k} q^k e^{(k²−k)/(2σ²)} Φ((z₀−k)/σ) + Σ_k C(α,k) (1−q)^k q^{α−k}
 *       e^{((α−k)²−(α−k))/(2σ²)} Φ((α−k−z₀)/σ). Positive and negative terms are accumulated
 *       separately in log space. For k &gt; α the coefficients C(α,k) alternate in sign and the
 *       terms decrease in magnitude (|C(α,k)| falls, and each factor after it is decreasing in
 *       k), so by the alternating series test a partial sum that ends on a positive term is an
 *       upper bound on A_α, too large by less than its last term. The sum stops on such a term
 *       once it is below 1e-12 of the sum: the result is then a conservative bound whose excess
 *       is at most 1e-12/(α − 1) in ε_α. Convergence is only polynomial (terms fall like
 *       k^{−α−2}) when z₀/σ is small (large q, or σ ≲ 1), which costs up to ~10⁴ terms for α
 *       near 1.
 * </ul>
 *
 * <p><b>Conversion to (ε, δ)</b> (Balle, Barthe, Gaboardi, Hsu, Sato 2020, "Hypothesis Testing
 * Interpretations and Renyi Differential Privacy", AISTATS 2020, arXiv:1905.09982): an (α, r)-RDP
 * mechanism is (ε, δ)-DP with ε = r + log((α − 1)/α) − (log δ + log α)/(α − 1).
 */
final class RdpMath {
  /** The fractional-order series stops on a positive term this far (in log) below the sum. */
  private static final double LOG_TOLERANCE = Math.log(1e-12);

  /** A fractional-order series that has not converged after this many terms is unusable. */
  private static final int MAX_SERIES_TERMS = 200_000;

  private RdpMath() {}

  /**
   * The RDP ε_α of one step, ≥ 0; {@link Double#POSITIVE_INFINITY} when the series for a
   * fractional order did not converge numerically (the caller skips that order).
   */
  static double stepRdp(double sampleRate, double noiseMultiplier, double order) {
    double sigmaSquared = noiseMultiplier * noiseMultiplier;
    if (sampleRate == 1.0) {
      return order / (2 * sigmaSquared);
    }
    double logMoment =
        order == Math.rint(order) && order < 0x1p53
            ? logMomentIntegerOrder(sampleRate, sigmaSquared, (long) order)
            : logMomentFractionalOrder(sampleRate, sigmaSquared, order);
    return Math.max(0.0, logMoment) / (order - 1);
  }

  /** ε at one order for an accumulated RDP value (Balle et al. 2020); may be &lt; 0. */
  static double epsilon(double rdp, double order, double delta) {
    return rdp + Math.log1p(-1.0 / order) - (Math.log(delta) + Math.log(order)) / (order - 1);
  }

  private static double logMomentIntegerOrder(double q, double sigmaSquared, long alpha) {
    double logQ = Math.log(q);
    double logOneMinusQ = Math.log1p(-q);
    double logBinomial = 0.0;
    double logMoment = Double.NEGATIVE_INFINITY;
    for (long k = 0; k <= alpha; k++) {
      double kd = k;
      logMoment =
          logAdd(
              logMoment,
              logBinomial
                  + (alpha - kd) * logOneMinusQ
                  + kd * logQ
                  + (kd * kd - kd) / (2 * sigmaSquared));
      logBinomial += Math.log(alpha - kd) - Math.log(kd + 1);
    }
    return logMoment;
  }

  private static double logMomentFractionalOrder(double q, double sigmaSquared, double alpha) {
    double sigma = Math.sqrt(sigmaSquared);
    double logQ = Math.log(q);
    double logOneMinusQ = Math.log1p(-q);
    double z0 = sigmaSquared * (logOneMinusQ - logQ) + 0.5;
    double logPositive = Double.NEGATIVE_INFINITY;
    double logNegative = Double.NEGATIVE_INFINITY;
    double logBinomial = 0.0; // log |C(alpha, k)|
    boolean negative = false; // sign of C(alpha, k)
    for (int k = 0; k < MAX_SERIES_TERMS; k++) {
      double j = alpha - k;
      double below =
          logBinomial
              + j * logOneMinusQ
              + k * logQ
              + ((double) k * k - k) / (2 * sigmaSquared)
              + StandardNormal.logCdf((z0 - k) / sigma);
      double above =
          logBinomial
              + k * logOneMinusQ
              + j * logQ
              + (j * j - j) / (2 * sigmaSquared)
              + StandardNormal.logCdf((j - z0) / sigma);
      double logTerm = logAdd(below, above);
      if (negative) {
        logNegative = logAdd(logNegative, logTerm);
      } else {
        logPositive = logAdd(logPositive, logTerm);
      }
      if (k > alpha && !negative && logTerm < logPositive + LOG_TOLERANCE) {
        return logDifference(logPositive, logNegative);
      }
      logBinomial += Math.log(Math.abs(j)) - Math.log(k + 1.0);
      negative ^= j < 0;
    }
    return Double.POSITIVE_INFINITY;
  }

  /** log(e^a + e^b) without overflow. */
  private static double logAdd(double a, double b) {
    double max = Math.max(a, b);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log1p(Math.exp(Math.min(a, b) - max));
  }

  /** log(e^a − e^b) for a &gt; b; +∞ (unusable) when cancellation leaves nothing positive. */
  private static double logDifference(double a, double b) {
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    return b < a ? a + Math.log1p(-Math.exp(b - a)) : Double.POSITIVE_INFINITY;
  }
}
