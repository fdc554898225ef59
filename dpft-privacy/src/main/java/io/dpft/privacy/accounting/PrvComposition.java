package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;
import java.util.List;

/**
 * The composed PRV of a history of subsampled-Gaussian segments, computed by Algorithm 1
 * (ComposePRV) of Gopi, Lee &amp; Wutschitz, "Numerical Composition of Differential Privacy",
 * NeurIPS 2021, with the bounds of its error analysis (Section 5).
 *
 * <p>The approximation Ỹ lives on the points m·h + μ (μ the summed mean corrections). With the
 * grid of {@link PrvGrid}, a coupling argument (truncation, then a Hoeffding bound on the
 * rounding drift, then the window) shows for every ε
 *
 * <pre>  δ_Ỹ(ε + ε_err) − δ_err ≤ δ(ε) ≤ δ_Ỹ(ε − ε_err) + δ_err,</pre>
 *
 * where δ(ε) is the true privacy curve and δ_Ỹ(ε) = E[(1 − e^(ε−Ỹ))₊]. Inverting gives, for a
 * target δ, ε_Ỹ(δ + δ_err) − ε_err ≤ ε(δ) ≤ ε_Ỹ(δ − δ_err) + ε_err, with ε_Ỹ(δ) the estimate.
 * δ_Ỹ is piecewise of the form a − b·e^ε between mesh points, so ε_Ỹ is solved exactly there.
 * Immutable.
 */
public final class PrvComposition {
  /**
   * The composed probabilities at values firstValue + i·h, ascending, from just below −ε_err to
   * the top of the window; lower values never enter δ_Ỹ(ε) for the ε − ε_err ≥ −ε_err we ask.
   */
  private final double[] pmf;

  private final double firstValue;
  private final double meshSize;
  private final double epsError;
  private final double deltaError;

  private PrvComposition(
      double[] pmf, double firstValue, double meshSize, double epsError, double deltaError) {
    this.pmf = pmf;
    this.firstValue = firstValue;
    this.meshSize = meshSize;
    this.epsError = epsError;
    this.deltaError = deltaError;
  }

  /** δ(ε) as an estimate with rigorous bounds, {@code deltaLower ≤ δ(ε) ≤ deltaUpper}. */
  public record DeltaBounds(double delta, double deltaLower, double deltaUpper) {}

  /**
   * Composes {@code history} so that ε is known to within {@code epsError} and δ to within
   * {@code deltaError}.
   *
   * @throws IllegalArgumentException for an empty history, epsError ≤ 0, deltaError outside (0,
   *     1), or a history that would need more than {@link PrvGrid#MAX_SIZE} mesh points
   */
  public static PrvComposition of(
      List<MechanismSegment> history, double epsError, double deltaError) {
    PrivacyChecks.nonEmpty("history", history);
    PrivacyChecks.positive("epsError", epsError);
    PrivacyChecks.openUnitInterval("deltaError", deltaError);

    PrvGrid grid = PrvGrid.choose(history, epsError, deltaError);
    double h = grid.meshSize();
    PrvFourierComposer composer = new PrvFourierComposer(grid.size());
    double shift = 0;
    double truncated = 0;
    for (MechanismSegment segment : history) {
      PrvDiscretization step =
          PrvDiscretization.of(
              new PrvSubsampledGaussian(segment.noiseMultiplier(), segment.sampleRate()),
              grid,
              PrvGrid.stepTail(history, segment, deltaError));
      shift += segment.steps() * step.meanShift();
      truncated += segment.steps() * step.truncatedMass();
      composer.add(step.circularPmf(), segment.steps());
    }
    if (truncated > deltaError / 12) {
      throw new IllegalStateException(
          "PRV truncation lost " + truncated + ", more than its budget " + deltaError / 12);
    }
    double[] circular = composer.result();

    // Unwrap the circle into the window of values m·h + shift in about [−L, L).
    int size = grid.size();
    long windowStart = -size / 2 - Math.round(shift / h);
    long first = Math.max(windowStart, (long) Math.ceil((-epsError - h - shift) / h));
    long end = windowStart + size;
    double[] pmf = new double[Math.toIntExact(end - first)];
    for (long m = first; m < end; m++) {
      pmf[(int) (m - first)] = circular[(int) Math.floorMod(m, (long) size)];
    }
    checkFloatingPointNoise(pmf, deltaError);
    return new PrvComposition(pmf, first * h + shift, h, epsError, deltaError);
  }

  /** The ε error this composition was computed for. */
  public double epsError() {
    return epsError;
  }

  /** The δ error this composition was computed for. */
  public double deltaError() {
    return deltaError;
  }

  /** δ(ε) for ε ≥ 0: estimate δ_Ỹ(ε) with bounds δ_Ỹ(ε + ε_err) − δ_err and δ_Ỹ(ε − ε_err) + δ_err. */
  public DeltaBounds delta(double epsilon) {
    PrivacyChecks.nonNegative("epsilon", epsilon);
    return new DeltaBounds(
        deltaEstimate(epsilon),
        Math.max(0, deltaEstimate(epsilon + epsError) - deltaError),
        Math.min(1, deltaEstimate(epsilon - epsError) + deltaError));
  }

  /**
   * ε(δ): estimate ε_Ỹ(δ) with bounds max(0, ε_Ỹ(δ + δ_err) − ε_err) and ε_Ỹ(δ − δ_err) +
   * ε_err.
   *
   * @throws IllegalArgumentException unless δ_err &lt; δ &lt; 1
   */
  public PrivacyLoss.Prv epsilon(double delta) {
    PrivacyChecks.delta(delta);
    if (!(delta > deltaError)) {
      throw new IllegalArgumentException(
          "delta must be larger than the composition's deltaError " + deltaError + ", got " + delta);
    }
    double estimate = epsilonEstimate(delta);
    double lower = Math.max(0, epsilonEstimate(delta + deltaError) - epsError);
    double upper = epsilonEstimate(delta - deltaError) + epsError;
    return new PrivacyLoss.Prv(estimate, delta, lower, upper);
  }

  /** δ_Ỹ(ε) = Σ_{v ≥ ε} p_v·(1 − e^(ε−v)), summed from the top of the window. */
  double deltaEstimate(double epsilon) {
    double decay = Math.exp(-meshSize);
    double mass = 0; // Σ_{j ≥ i} p_j
    double weighted = 0; // Σ_{j ≥ i} p_j·e^(v_i − v_j)
    int i = pmf.length - 1;
    for (; i >= 0 && value(i) >= epsilon; i--) {
      mass += pmf[i];
      weighted = pmf[i] + decay * weighted;
    }
    return i == pmf.length - 1 ? 0 : mass - Math.exp(epsilon - value(i + 1)) * weighted;
  }

  /**
   * The smallest ε ≥ 0 with δ_Ỹ(ε) ≤ {@code delta}. Between mesh points v_i &lt; ε ≤ v_(i+1),
   * δ_Ỹ(ε) = D − e^(ε − v_(i+1))·R with D, R the plain and e^(v_(i+1)−v)-weighted masses from
   * v_(i+1) up, so ε = v_(i+1) + log((D − δ)/R).
   */
  double epsilonEstimate(double delta) {
    double decay = Math.exp(-meshSize);
    double mass = 0;
    double weighted = 0;
    for (int i = pmf.length - 1; i >= 0; i--) {
      double massHere = mass + pmf[i];
      double weightedHere = pmf[i] + decay * weighted;
      if (massHere - weightedHere >= delta) { // δ_Ỹ(v_i) ≥ δ: the answer is in (v_i, v_(i+1)]
        double epsilon = value(i + 1) + Math.log((mass - delta) / weighted);
        return Math.max(0, epsilon);
      }
      mass = massHere;
      weighted = weightedHere;
      if (value(i) < 0) {
        return 0; // δ_Ỹ(v_i) < δ already at some v_i < 0, so δ_Ỹ(0) < δ
      }
    }
    return 0;
  }

  private double value(int i) {
    return firstValue + i * meshSize;
  }

  /**
   * The FFT leaves rounding noise of both signs on probabilities that should be 0. Each kept
   * probability enters δ_Ỹ(ε) with a weight in [0, 1], so the noise moves δ_Ỹ by at most its
   * total mass over the kept points, which twice their negative mass estimates; that must fit the
   * δ_err/6 that {@link PrvGrid} set aside.
   */
  private static void checkFloatingPointNoise(double[] pmf, double deltaError) {
    double negative = 0;
    for (double p : pmf) {
      if (p < 0) {
        negative -= p;
      }
    }
    if (2 * negative > deltaError / 6) {
      throw new ArithmeticException(
          "floating-point noise of the PRV composition (about "
              + 2 * negative
              + ") exceeds deltaError/6 = "
              + deltaError / 6
              + "; raise delta or deltaError");
    }
  }
}
