package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.AccountantKind;

/**
 * What the user asks of privacy: nothing (a non-private baseline), a target ε (σ is calibrated
 * before training), or a fixed noise multiplier (ε is reported as it grows). δ ≤ 0 means the
 * default δ = 1/N^1.1 for N training examples.
 */
public sealed interface PrivacyTarget
    permits PrivacyTarget.None, PrivacyTarget.TargetEpsilon, PrivacyTarget.FixedNoise {

  /** No privacy: plain fine-tuning, to measure what DP costs. */
  record None() implements PrivacyTarget {}

  /** Calibrate σ so that the whole run spends at most {@code epsilon} at δ. */
  record TargetEpsilon(
      double epsilon, double delta, double maxGradNorm, Clipping clipping, AccountantKind accountant)
      implements PrivacyTarget {
    public TargetEpsilon {
      PrivacyChecks.epsilon("targetEpsilon", epsilon);
      checkCommon(delta, maxGradNorm, clipping, accountant);
    }
  }

  /** Train with noise multiplier σ; ε is whatever the run spends. */
  record FixedNoise(
      double noiseMultiplier,
      double delta,
      double maxGradNorm,
      Clipping clipping,
      AccountantKind accountant)
      implements PrivacyTarget {
    public FixedNoise {
      PrivacyChecks.noiseMultiplier(noiseMultiplier);
      checkCommon(delta, maxGradNorm, clipping, accountant);
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

  private static void checkCommon(
      double delta, double maxGradNorm, Clipping clipping, AccountantKind accountant) {
    if (delta > 0) {
      PrivacyChecks.delta(delta);
    }
    PrivacyChecks.positive("maxGradNorm", maxGradNorm);
    if (clipping == null || accountant == null) {
      throw new IllegalArgumentException("clipping and accountant must be given");
    }
  }
}
