package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;
import java.util.List;

/**
 * The PRV accountant of Gopi, Lee &amp; Wutschitz, "Numerical Composition of Differential
 * Privacy", NeurIPS 2021, for the Poisson-subsampled Gaussian mechanism.
 *
 * <p>Each step's privacy random variable (PRV) has a closed-form CDF ({@link
 * PrvSubsampledGaussian}); the PRV of a composition is the sum of the steps' PRVs, so the privacy
 * curve of a whole history follows from one convolution. Algorithm 1 of the paper truncates each
 * PRV to [−L, L], rounds it to a uniform mesh of size h with a mean correction, and convolves by
 * FFT; a segment of T equal steps is one T-th power in the Fourier domain. The error analysis
 * (Section 5) turns the target accuracy (ε_err, δ_err) and the number of steps k into the mesh h =
 * ε_err/√((k/2)·log(12/δ_err)) and a large enough L ({@link PrvGrid}), and gives rigorous bounds
 * around the estimate ({@link PrvComposition}). Work grows like √k·L/ε_err.
 *
 * <p>{@link #epsilon} uses δ_err = δ·{@code relativeDeltaError} (the paper's and Opacus' default
 * is δ/1000) and reports the estimate with lower and upper bounds; a guarantee should quote the
 * upper bound. Immutable and thread-safe.
 */
public final class PrvAccountant implements PrivacyAccountant {
  /** The default ε_err: the bounds are at most this far (plus the δ_err effect) from the estimate. */
  public static final double DEFAULT_EPS_ERROR = 0.01;

  /** The default δ_err as a fraction of the δ asked for. */
  public static final double DEFAULT_RELATIVE_DELTA_ERROR = 1e-3;

  private final double epsError;
  private final double relativeDeltaError;

  /** ε_err = 0.01 and δ_err = δ/1000. */
  public PrvAccountant() {
    this(DEFAULT_EPS_ERROR, DEFAULT_RELATIVE_DELTA_ERROR);
  }

  /**
   * @param epsError ε_err &gt; 0, the accuracy in ε (smaller costs proportionally more time)
   * @param relativeDeltaError δ_err/δ in (0, 1)
   */
  public PrvAccountant(double epsError, double relativeDeltaError) {
    this.epsError = PrivacyChecks.positive("epsError", epsError);
    this.relativeDeltaError =
        PrivacyChecks.openUnitInterval("relativeDeltaError", relativeDeltaError);
  }

  @Override
  public PrivacyLoss.Prv epsilon(List<MechanismSegment> history, double delta) {
    PrivacyChecks.delta(delta);
    return PrvComposition.of(history, epsError, delta * relativeDeltaError).epsilon(delta);
  }

  /**
   * δ(ε) of the composition of {@code history}, known to within {@code deltaError} and the
   * accountant's ε_err.
   */
  public PrvComposition.DeltaBounds delta(
      List<MechanismSegment> history, double epsilon, double deltaError) {
    PrivacyChecks.nonNegative("epsilon", epsilon);
    return PrvComposition.of(history, epsError, deltaError).delta(epsilon);
  }

  /** ε_err. */
  public double epsError() {
    return epsError;
  }

  /** δ_err/δ. */
  public double relativeDeltaError() {
    return relativeDeltaError;
  }

  @Override
  public String name() {
    return "prv";
  }
}
