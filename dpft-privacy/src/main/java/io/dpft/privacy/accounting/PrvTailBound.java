package io.dpft.privacy.accounting;

import java.util.List;

/**
 * A rigorous bound on the upper tail of a composed subsampled-Gaussian PRV, used to choose the
 * truncation domain [−L, L] (Gopi, Lee &amp; Wutschitz 2021, Section 5: L must be large enough
 * that the composed PRV rarely leaves it; they suggest Rényi-DP moment bounds for this).
 *
 * <p>For one step, E[e^(λY)] = E_Q[(Q/P)^λ] = E_P[(Q/P)^(λ+1)] = A_(λ+1) = exp(λ·ε_(λ+1)), with
 * ε_α the step's Rényi DP of order α ({@link RdpMath#stepRdp}, exact for integer orders). The
 * composed PRV is a sum of independent steps, so Chernoff's bound gives, for every integer λ ≥ 1,
 *
 * <pre>  P[Y ≥ t] ≤ exp(λ·Σ_i T_i·ε_(λ+1)(q_i, σ_i) − λt),</pre>
 *
 * i.e. P[Y ≥ t] ≤ p for t = Σ_i T_i·ε_(λ+1) + log(1/p)/λ. {@link #upperQuantile} returns the
 * smallest such t over λ; the bound is unimodal in λ, so the scan stops once it rises.
 */
final class PrvTailBound {
  private static final int MAX_LAMBDA = 100_000;

  private PrvTailBound() {}

  /** A t with P[Y ≥ t] ≤ {@code tail} for the composition of {@code history}. */
  static double upperQuantile(List<MechanismSegment> history, double tail) {
    double logInverseTail = -Math.log(tail);
    double best = Double.POSITIVE_INFINITY;
    for (int lambda = 1; lambda <= MAX_LAMBDA; lambda = nextLambda(lambda)) {
      double rdp = 0;
      for (MechanismSegment s : history) {
        rdp += s.steps() * RdpMath.stepRdp(s.sampleRate(), s.noiseMultiplier(), lambda + 1);
      }
      double t = rdp + logInverseTail / lambda;
      if (t >= best) {
        break;
      }
      best = t;
    }
    return best;
  }

  /** Every λ up to 32, then about 10 % apart. */
  private static int nextLambda(int lambda) {
    return lambda < 32 ? lambda + 1 : lambda + lambda / 10;
  }
}
