package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;
import java.util.List;
import java.util.stream.DoubleStream;

/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (Mironov 2017, "Rényi
 * Differential Privacy"; Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled
 * Gaussian Mechanism"). For every order α it adds up the per-step RDP of each segment — RDP
 * composes additively, so a history of segments with different (σ, q, steps) is Σ steps ·
 * ε_α(q, σ) — and then converts to (ε, δ) with the conversion of Balle et al. 2020 ("Hypothesis
 * Testing Interpretations and Renyi Differential Privacy"), minimised over the orders. The math is
 * in {@link RdpMath}.
 *
 * <p>The result is a rigorous upper bound on ε; it is never negative, and orders whose RDP is
 * infinite (a series that did not converge numerically) are skipped. Immutable and thread-safe.
 */
public final class RdpAccountant implements PrivacyAccountant {
  private static final double[] DEFAULT_ORDERS =
      DoubleStream.concat(
              DoubleStream.iterate(1, x -> x + 1).limit(99).map(x -> 1 + x / 10.0),
              DoubleStream.iterate(12, x -> x + 1).limit(52))
          .toArray();

  private final double[] orders;

  /** An accountant over the default orders: 1.1, 1.2, …, 10.9 and then 12, 13, …, 63. */
  public RdpAccountant() {
    this.orders = DEFAULT_ORDERS.clone();
  }

  /** An accountant over the given Rényi orders (each finite and &gt; 1; at least one). */
  public RdpAccountant(double... orders) {
    if (orders == null || orders.length == 0) {
      throw new IllegalArgumentException("orders must hold at least one Rényi order > 1, got none");
    }
    for (double order : orders) {
      PrivacyChecks.renyiOrder(order);
    }
    this.orders = orders.clone();
  }

  /** The Rényi orders α this accountant minimises over (a copy). */
  public double[] orders() {
    return orders.clone();
  }

  /**
   * The RDP of the whole history at each of {@link #orders()}: Σ over segments of steps ·
   * ε_α(q, σ). An entry may be {@link Double#POSITIVE_INFINITY} for an unusable order.
   */
  public double[] rdp(List<MechanismSegment> history) {
    PrivacyChecks.nonEmpty("history", history);
    double[] total = new double[orders.length];
    for (MechanismSegment segment : history) {
      for (int i = 0; i < orders.length; i++) {
        total[i] +=
            segment.steps()
                * RdpMath.stepRdp(segment.sampleRate(), segment.noiseMultiplier(), orders[i]);
      }
    }
    return total;
  }

  /**
   * The smallest ε over the orders, clamped at 0, with the order that attains it; ε is
   * {@link Double#POSITIVE_INFINITY} and the order NaN when no order has a finite RDP.
   */
  @Override
  public PrivacyLoss.Rdp epsilon(List<MechanismSegment> history, double delta) {
    PrivacyChecks.delta(delta);
    double[] rdp = rdp(history);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int i = 0; i < orders.length; i++) {
      double epsilon = RdpMath.epsilon(rdp[i], orders[i], delta);
      if (epsilon < best) {
        best = epsilon;
        bestOrder = orders[i];
      }
    }
    return new PrivacyLoss.Rdp(Math.max(0.0, best), delta, bestOrder);
  }

  @Override
  public String name() {
    return "rdp";
  }
}
