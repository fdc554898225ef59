package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;
import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The privacy random variable (PRV) of one step of the Poisson-subsampled Gaussian mechanism,
 * after Gopi, Lee &amp; Wutschitz, "Numerical Composition of Differential Privacy", NeurIPS 2021
 * (the paper defines PRVs and derives this one's CDF in Appendix B).
 *
 * <p>With sensitivity 1, noise multiplier σ and sampling rate q, the neighbouring output
 * distributions are P = N(0, σ²) (example absent) and Q = (1−q)·N(0, σ²) + q·N(1, σ²) (example
 * present). The PRV is Y = log(Q(ω)/P(ω)) with ω ~ Q; the mechanism's privacy curve is δ(ε) =
 * E[(1 − e^(ε−Y))₊]. The log-likelihood ratio is log(1 − q + q·e^((2ω−1)/(2σ²))), increasing in
 * ω, so Y ≤ t exactly when ω ≤ σ²z + ½ with
 *
 * <pre>
 *   z(t) = log(1 + (e^t − 1)/q),   defined for t &gt; log(1 − q) (Y's lower end),
 *   F(t) = P[Y ≤ t] = (1−q)·Φ(σz + 1/(2σ)) + q·Φ(σz − 1/(2σ)).
 * </pre>
 *
 * For q = 1 this is the Gaussian mechanism's PRV N(1/(2σ²), 1/σ²). The survival function is
 * evaluated through the upper normal tail, so that tail probabilities keep their relative
 * precision.
 */
final class PrvSubsampledGaussian {
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);
  private static final double LOG_SQRT_TWO_PI = 0.5 * Math.log(2 * Math.PI);
  private static final double QUANTILE_ACCURACY = 1e-14;
  private static final int MAX_SOLVER_EVALUATIONS = 10_000;
  private static final double OUTPUT_CUTOFF = 12;
  private static final GaussIntegratorFactory LEGENDRE = new GaussIntegratorFactory();

  private final double noiseMultiplier;
  private final double sampleRate;
  private final double halfInverseSigma;
  private final double supportMin;

  PrvSubsampledGaussian(double noiseMultiplier, double sampleRate) {
    this.noiseMultiplier = PrivacyChecks.noiseMultiplier(noiseMultiplier);
    this.sampleRate = PrivacyChecks.sampleRate(sampleRate);
    this.halfInverseSigma = 1 / (2 * noiseMultiplier);
    this.supportMin = Math.log1p(-sampleRate);
  }

  /** log(1 − q): Y never falls below it ({@code -Infinity} when q = 1). */
  double supportMin() {
    return supportMin;
  }

  /** P[Y ≤ t]. */
  double cdf(double t) {
    if (t <= supportMin) {
      return 0;
    }
    double sz = noiseMultiplier * z(t);
    return (1 - sampleRate) * phi(sz + halfInverseSigma) + sampleRate * phi(sz - halfInverseSigma);
  }

  /** P[Y &gt; t], computed from upper normal tails (no cancellation against 1). */
  double survival(double t) {
    if (t <= supportMin) {
      return 1;
    }
    double sz = noiseMultiplier * z(t);
    return (1 - sampleRate) * phi(-sz - halfInverseSigma) + sampleRate * phi(halfInverseSigma - sz);
  }

  /**
   * E[Y; a &lt; Y ≤ b], integrated over the mechanism's output: Y = ℓ(ω) with ℓ(ω) = log(1 − q +
   * q·e^((2ω−1)/(2σ²))) and ω ~ Q, so the integrand ℓ·Q is smooth (unlike Y's density near its
   * lower end) and 32-point Gauss–Legendre on pieces of σ/4 is exact to rounding. Output below
   * −{@value #OUTPUT_CUTOFF}σ (Q-mass &lt; 1e-33, |ℓ| ≤ |log(1 − q)|) is left out.
   */
  double partialMean(double a, double b) {
    double sigmaSquared = noiseMultiplier * noiseMultiplier;
    double lo = Math.max(outputAt(a), -OUTPUT_CUTOFF * noiseMultiplier);
    double hi = outputAt(b);
    if (!(hi > lo)) {
      return 0;
    }
    int pieces = (int) Math.ceil((hi - lo) / (noiseMultiplier / 4));
    double width = (hi - lo) / pieces;
    UnivariateFunction integrand =
        x ->
            Math.log1p(sampleRate * Math.expm1((2 * x - 1) / (2 * sigmaSquared)))
                * ((1 - sampleRate) * outputDensity(x) + sampleRate * outputDensity(x - 1));
    double sum = 0;
    for (int i = 0; i < pieces; i++) {
      sum += LEGENDRE.legendre(32, lo + i * width, lo + (i + 1) * width).integrate(integrand);
    }
    return sum;
  }

  /** The output ω = σ²·z(t) + ½ at which the privacy loss is t (−∞ at the support's end). */
  private double outputAt(double t) {
    return t <= supportMin
        ? Double.NEGATIVE_INFINITY
        : noiseMultiplier * noiseMultiplier * z(t) + 0.5;
  }

  /** The N(0, σ²) density. */
  private double outputDensity(double x) {
    double u = x / noiseMultiplier;
    return Math.exp(-u * u / 2 - LOG_SQRT_TWO_PI) / noiseMultiplier;
  }

  /** The t with P[Y &gt; t] = {@code tail} (0 &lt; tail &lt; ½), by Brent's method. */
  double upperQuantile(double tail) {
    double hi = 1;
    while (survival(hi) > tail) {
      hi *= 2;
    }
    double lo = Math.max(supportMin, -1);
    while (survival(lo) < tail) {
      lo = 2 * lo - 1;
    }
    return solve(t -> survival(t) / tail - 1, lo, hi);
  }

  /**
   * The t with P[Y ≤ t] = {@code tail} (0 &lt; tail &lt; ½), by Brent's method; never below the
   * lower end of the support.
   */
  double lowerQuantile(double tail) {
    double lo = -1;
    while (lo > supportMin && cdf(lo) > tail) {
      lo *= 2;
    }
    if (lo <= supportMin) {
      lo = supportMin;
    }
    double hi = 1;
    while (cdf(hi) < tail) {
      hi *= 2;
    }
    return solve(t -> cdf(t) / tail - 1, lo, hi);
  }

  /** The root of {@code relativeError} (a tail over its target, minus 1) in [lo, hi]. */
  private static double solve(UnivariateFunction relativeError, double lo, double hi) {
    return new BrentSolver(QUANTILE_ACCURACY, QUANTILE_ACCURACY, QUANTILE_ACCURACY)
        .solve(MAX_SOLVER_EVALUATIONS, relativeError, lo, hi);
  }

  private double z(double t) {
    return Math.log1p(Math.expm1(t) / sampleRate);
  }

  private static double phi(double x) {
    return STANDARD_NORMAL.cumulativeProbability(x);
  }
}
