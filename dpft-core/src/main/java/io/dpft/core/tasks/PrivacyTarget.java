package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.AccountantKind;
import java.util.Locale;

/**
 * What the user asks of privacy: nothing (a non-private baseline), a target ε (σ is calibrated
 * before training), or a fixed noise multiplier (ε is reported as it grows). δ ≤ 0 means the
 * default δ = 1/N^1.1 for N training examples. Clipping is to a total of C = {@code maxGradNorm}
 * with the {@code clipping} rule over the norms {@code granularity} names (all-layer unless
 * given).
 */
public sealed interface PrivacyTarget
    permits PrivacyTarget.None, PrivacyTarget.TargetEpsilon, PrivacyTarget.FixedNoise {

  /** No privacy: plain fine-tuning, to measure what DP costs. */
  record None() implements PrivacyTarget {}

  /** Calibrate σ so that the whole run spends at most {@code epsilon} at δ. */
  record TargetEpsilon(
      double epsilon,
      double delta,
      double maxGradNorm,
      Clipping clipping,
      AccountantKind accountant,
      ClippingGranularity granularity)
      implements PrivacyTarget {
    public TargetEpsilon {
      PrivacyChecks.epsilon("targetEpsilon", epsilon);
      checkCommon(delta, maxGradNorm, clipping, accountant, granularity);
    }

    /** All-layer clipping. */
    public TargetEpsilon(double epsilon, double delta, double maxGradNorm, Clipping clipping,
        AccountantKind accountant) {
      this(epsilon, delta, maxGradNorm, clipping, accountant, ClippingGranularity.ALL_LAYER);
    }
  }

  /** Train with noise multiplier σ; ε is whatever the run spends. */
  record FixedNoise(
      double noiseMultiplier,
      double delta,
      double maxGradNorm,
      Clipping clipping,
      AccountantKind accountant,
      ClippingGranularity granularity)
      implements PrivacyTarget {
    public FixedNoise {
      PrivacyChecks.noiseMultiplier(noiseMultiplier);
      checkCommon(delta, maxGradNorm, clipping, accountant, granularity);
    }

    /** All-layer clipping. */
    public FixedNoise(double noiseMultiplier, double delta, double maxGradNorm, Clipping clipping,
        AccountantKind accountant) {
      this(noiseMultiplier, delta, maxGradNorm, clipping, accountant,
          ClippingGranularity.ALL_LAYER);
    }
  }

  /** DP at a target ε: σ calibrated for the whole run, δ = 1/N^1.1, C = 1, Abadi clipping, RDP. */
  static PrivacyTarget targetEpsilon(double epsilon) {
    return new TargetEpsilon(epsilon, 0, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
  }

  /** δ = 1/N^1.1, below 1/N so that releasing one whole example is not (ε, δ)-DP. */
  static double defaultDelta(int datasetSize) {
    return Math.pow(datasetSize, -1.1);
  }

  /**
   * The δ of a run on {@code n} examples: {@code asked}, or {@link #defaultDelta} when it is ≤ 0.
   *
   * @throws IllegalArgumentException if {@code asked} is not below 1/N
   */
  public static double resolveDelta(double asked, int n) {
    if (asked > 0 && asked >= 1.0 / n) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "delta must be below 1/N = %.3g for N = %d training examples, got %s: a δ that large"
              + " allows releasing whole training examples; leave it out for the default"
              + " 1/N^1.1 = %.3g",
          1.0 / n, n, asked, defaultDelta(n)));
    }
    return asked > 0 ? asked : defaultDelta(n);
  }

  private static void checkCommon(double delta, double maxGradNorm, Clipping clipping,
      AccountantKind accountant, ClippingGranularity granularity) {
    if (delta > 0) {
      PrivacyChecks.delta(delta);
    }
    PrivacyChecks.positive("maxGradNorm", maxGradNorm);
    if (clipping == null || accountant == null || granularity == null) {
      throw new IllegalArgumentException("clipping, accountant and granularity must be given");
    }
  }
}
