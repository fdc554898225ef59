package io.dpft.privacy.audit;

import io.dpft.privacy.PrivacyChecks;
import org.apache.commons.math3.analysis.UnivariateFunction;
import org.apache.commons.math3.analysis.solvers.AllowedSolution;
import org.apache.commons.math3.analysis.solvers.BracketingNthOrderBrentSolver;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * The lower bound on ε from one training run of Steinke, Nasr and Jagielski ("Privacy auditing
 * with one (1) training run", NeurIPS 2023, arXiv:2305.08846; their Appendix D gives it as
 * {@code p_value_DP_audit} and {@code get_eps_audit}). With m canaries, r guesses and v correct,
 * an (ε, δ)-DP algorithm gives v or more correct guesses with probability at most
 *
 * <pre>
 *   p(ε) = P[Binomial(r, q) ≥ v] + 2mδ · max_{i = 1..v} P[v − i ≤ Binomial(r, q) &lt; v] / i,
 *   q = e^ε / (1 + e^ε),
 * </pre>
 *
 * so it is not (ε, δ)-DP for any ε with p(ε) &lt; 1 − confidence: the bound ε̂ is the largest
 * such ε (0 when there is none).
 */
public final class EpsilonLowerBound {
  /** The accuracy of ε̂: a root finder stops within this of the largest rejected ε. */
  static final double ABSOLUTE_ACCURACY = 1e-9;

  private static final int MAX_EVALUATIONS = 10_000;

  private EpsilonLowerBound() {}

  /**
   * ε̂ at {@code confidence} (e.g. 0.95) for an algorithm claimed (·, δ)-DP.
   *
   * @throws IllegalArgumentException if δ is not in [0, 1) or confidence not in (0, 1)
   */
  public static double of(CanaryGuesses guesses, double delta, double confidence) {
    checkDelta(delta);
    double beta = 1 - PrivacyChecks.openUnitInterval("confidence", confidence);
    UnivariateFunction excess = epsilon -> pValue(guesses, epsilon, delta) - beta;
    if (excess.value(0) >= 0) {
      return 0;
    }
    double high = 1;
    while (excess.value(high) < 0) {
      high *= 2;
    }
    return new BracketingNthOrderBrentSolver(ABSOLUTE_ACCURACY, 5)
        .solve(MAX_EVALUATIONS, excess, 0, high, AllowedSolution.BELOW_SIDE);
  }

  /**
   * p(ε): the largest probability that an (ε, δ)-DP algorithm lets the auditor get at least
   * {@code guesses.correct()} of its guesses right (the p-value of the claim), capped at 1.
   */
  public static double pValue(CanaryGuesses guesses, double epsilon, double delta) {
    PrivacyChecks.nonNegative("epsilon", epsilon);
    checkDelta(delta);
    int r = guesses.guesses();
    int v = guesses.correct();
    double q = 1 / (1 + Math.exp(-epsilon)); // the accuracy of ε-DP randomized response
    BinomialDistribution binomial = new BinomialDistribution(null, r, q);
    double tail = v == 0 ? 1 : 1 - binomial.cumulativeProbability(v - 1);
    double alpha = 0;
    double below = 0; // P[v − i ≤ Binomial(r, q) < v]
    for (int i = 1; i <= v; i++) {
      below += binomial.probability(v - i);
      alpha = Math.max(alpha, below / i);
    }
    return Math.min(1, tail + alpha * delta * 2 * guesses.canaries());
  }

  private static void checkDelta(double delta) {
    PrivacyChecks.finite("delta", delta);
    if (delta < 0 || delta >= 1) {
      throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
    }
  }
}
