package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;
import java.util.List;
import org.apache.commons.math3.analysis.solvers.BrentSolver;

/**
 * Gaussian-DP accountant by the central limit theorem (Bu, Dong, Long, Su 2020, "Deep Learning
 * with Gaussian Differential Privacy", Harvard Data Science Review; Dong, Roth, Su 2022, "Gaussian
 * Differential Privacy"). T steps of the Poisson-subsampled Gaussian mechanism with rate q and
 * noise multiplier σ are approximately μ-GDP with μ = q·√(T·(e^{1/σ²} − 1)); for a history of
 * segments the μ² add up: μ² = Σ q²·T·(e^{1/σ²} − 1).
 *
 * <p>μ-GDP implies (ε, δ(ε))-DP for every ε ≥ 0 with δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2)
 * (Dong, Roth, Su, Corollary 2.13); δ(ε) decreases in ε, and ε(δ) is found by Brent's method on
 * log δ(ε), evaluated with log Φ so that neither e^ε nor the tail probabilities overflow.
 *
 * <p><b>This is an approximation, not a bound:</b> the CLT limit holds as T → ∞ with q√T fixed,
 * and it is known to underestimate ε for few steps or large q. Use {@link RdpAccountant} or
 * {@link PrvAccountant} where a guarantee is needed. Immutable and thread-safe.
 */
public final class GdpAccountant implements PrivacyAccountant {
  private static final int MAX_SOLVER_EVALUATIONS = 1_000;

  /** μ of the whole history (may be {@link Double#POSITIVE_INFINITY} for tiny σ). */
  public double mu(List<MechanismSegment> history) {
    PrivacyChecks.nonEmpty("history", history);
    double muSquared = 0.0;
    for (MechanismSegment segment : history) {
      double sigma = segment.noiseMultiplier();
      double q = segment.sampleRate();
      muSquared += q * q * segment.steps() * Math.expm1(1.0 / (sigma * sigma));
    }
    return Math.sqrt(muSquared);
  }

  /** The ε at which μ-GDP gives the requested δ; 0 when even ε = 0 is within δ. */
  @Override
  public PrivacyLoss.Gdp epsilon(List<MechanismSegment> history, double delta) {
    PrivacyChecks.delta(delta);
    double mu = mu(history);
    double logTarget = Math.log(delta);
    if (mu == Double.POSITIVE_INFINITY) {
      return new PrivacyLoss.Gdp(Double.POSITIVE_INFINITY, delta, mu);
    }
    if (mu == 0.0 || logDelta(mu, 0.0) <= logTarget) {
      return new PrivacyLoss.Gdp(0.0, delta, mu);
    }
    double upper = 1.0;
    while (logDelta(mu, upper) > logTarget) {
      upper *= 2;
    }
    double epsilon =
        new BrentSolver(1e-14, 1e-12)
            .solve(
                MAX_SOLVER_EVALUATIONS,
                e -> logDelta(mu, e) - logTarget,
                upper == 1.0 ? 0.0 : upper / 2,
                upper);
    return new PrivacyLoss.Gdp(epsilon, delta, mu);
  }

  /** log δ(ε) = log(Φ(a) − e^ε Φ(b)), a = −ε/μ + μ/2, b = −ε/μ − μ/2. */
  private static double logDelta(double mu, double epsilon) {
    double logFirst = StandardNormal.logCdf(-epsilon / mu + mu / 2);
    double logSecond = epsilon + StandardNormal.logCdf(-epsilon / mu - mu / 2);
    return logFirst + Math.log1p(-Math.exp(logSecond - logFirst));
  }

  @Override
  public String name() {
    return "gdp";
  }
}
