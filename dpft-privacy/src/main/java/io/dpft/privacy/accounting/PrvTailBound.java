package io.dpft.privacy.accounting;

import java.util.List;

/**
 * A rigorous bound on the upper tail of a composed subsampled-Gaussian PRV, used to choose the
 * truncation domain [−L, L] (Gopi, Lee &amp; Wutschitz 2021, Section 5: L must be large enough that
 * the composed PRV rarely leaves it; they suggest Rényi-DP-type moment bounds for this).
 *
 * <p>For one step, E[e^(λY)] = E_Q[(Q/P)^λ] = E_P[(Q/P)^(λ+1)] = A_(λ+1), and for integer orders
 * α (Mironov, Talwar &amp; Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
 * 2019, Section 3.3)
 *
 * <pre>
 *   A_α = Σ_{k=0..α} C(α, k)·(1−q)^(α−k)·q^k·exp((k² − k)/(2σ²)).
 * </pre>
 *
 * The composed PRV is a sum of independent steps, so Chernoff's bound gives, for every integer λ
 * ≥ 1, P[Y ≥ t] ≤ exp(Σ_i T_i·log A_(λ+1)(q_i, σ_i) − λt). {@link #upperQuantile} returns the
 * smallest such t over λ (the bound is unimodal in λ, so the scan stops once it rises).
 */
final class PrvTailBound {
  private static final int MAX_ORDER = 100_000;

  private PrvTailBound() {}

  /** A t with P[Y ≥ t] ≤ {@code tail} for the composition of {@code history}. */
  static double upperQuantile(List<MechanismSegment> history, double tail) {
    double logInverseTail = -Math.log(tail);
    double best = Double.POSITIVE_INFINITY;
    for (int lambda = 1; lambda <= MAX_ORDER; lambda = nextOrder(lambda)) {
      double cumulant = 0;
      for (MechanismSegment s : history) {
        cumulant += s.steps() * logMoment(s.noiseMultiplier(), s.sampleRate(), lambda + 1);
      }
      double t = (cumulant + logInverseTail) / lambda;
      if (t >= best) {
        break;
      }
      best = t;
    }
    return best;
  }

  /** log A_α for an integer order α ≥ 1, summed in log space. */
  static double logMoment(double noiseMultiplier, double sampleRate, int order) {
    double inverseTwoVariance = 1 / (2 * noiseMultiplier * noiseMultiplier);
    if (sampleRate == 1) {
      return (double) order * (order - 1) * inverseTwoVariance;
    }
    double logQ = Math.log(sampleRate);
    double logOneMinusQ = Math.log1p(-sampleRate);
    double[] terms = new double[order + 1];
    double max = Double.NEGATIVE_INFINITY;
    double logBinomial = 0; // log C(order, k), updated as k grows
    for (int k = 0; k <= order; k++) {
      if (k > 0) {
        logBinomial += Math.log((double) (order - k + 1) / k);
      }
      terms[k] =
          logBinomial + (order - k) * logOneMinusQ + k * logQ + ((double) k * k - k) * inverseTwoVariance;
      max = Math.max(max, terms[k]);
    }
    double sum = 0;
    for (double term : terms) {
      sum += Math.exp(term - max);
    }
    return max + Math.log(sum);
  }

  /** Every order up to 32, then about 10 % apart. */
  private static int nextOrder(int lambda) {
    return lambda < 32 ? lambda + 1 : lambda + lambda / 10;
  }
}
