package io.dpft.privacy.accounting;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.apache.commons.math3.analysis.solvers.BrentSolver;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * One step of the Poisson-subsampled Gaussian mechanism computed straight from its two output
 * densities, P = N(0, σ²) and Q = (1−q)N(0, σ²) + qN(1, σ²), without the PRV's closed form: the
 * likelihood ratio is evaluated from commons-math's normal densities and inverted numerically.
 * An independent reference for {@link PrvSubsampledGaussian} and for single-step δ(ε).
 */
final class SubsampledGaussianReference {
  private final double sampleRate;
  private final NormalDistribution absent;
  private final NormalDistribution present;
  private final double scale;

  SubsampledGaussianReference(double noiseMultiplier, double sampleRate) {
    this.sampleRate = sampleRate;
    this.absent = new NormalDistribution(null, 0, noiseMultiplier);
    this.present = new NormalDistribution(null, 1, noiseMultiplier);
    this.scale = noiseMultiplier;
  }

  /** log(Q(x)/P(x)) from the two densities. */
  double logLikelihoodRatio(double x) {
    double ratio = Math.exp(present.logDensity(x) - absent.logDensity(x));
    return Math.log((1 - sampleRate) + sampleRate * ratio);
  }

  /** The output x at which the privacy loss equals t (the loss increases with x). */
  double threshold(double t) {
    double lo = -60 * scale;
    double hi = 60 * scale + 1;
    return new BrentSolver(1e-13, 1e-13).solve(100_000, x -> logLikelihoodRatio(x) - t, lo, hi);
  }

  /** P[Y ≤ t] = Q(x ≤ threshold). */
  double cdf(double t) {
    double x = threshold(t);
    return (1 - sampleRate) * absent.cumulativeProbability(x)
        + sampleRate * present.cumulativeProbability(x);
  }

  /** δ(ε) = Q(S) − e^ε·P(S) for the optimal set S = {x : loss &gt; ε}. */
  double delta(double epsilon) {
    double x = threshold(epsilon);
    double q = (1 - sampleRate) * upperTail(absent, x) + sampleRate * upperTail(present, x);
    return q - Math.exp(epsilon) * upperTail(absent, x);
  }

  /** E[Y] = KL(Q‖P) = ∫ Q(x)·log(Q(x)/P(x)) dx, by 32-point Gauss–Legendre on 400 pieces. */
  double klDivergence() {
    GaussIntegratorFactory factory = new GaussIntegratorFactory();
    double a = -14 * scale;
    double b = 14 * scale + 1;
    int pieces = 400;
    double width = (b - a) / pieces;
    double sum = 0;
    for (int i = 0; i < pieces; i++) {
      sum +=
          factory
              .legendre(32, a + i * width, a + (i + 1) * width)
              .integrate(
                  x ->
                      ((1 - sampleRate) * absent.density(x) + sampleRate * present.density(x))
                          * logLikelihoodRatio(x));
    }
    return sum;
  }

  private static double upperTail(NormalDistribution d, double x) {
    return d.cumulativeProbability(2 * d.getMean() - x);
  }
}
