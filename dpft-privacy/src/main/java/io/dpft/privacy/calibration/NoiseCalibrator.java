package io.dpft.privacy.calibration;

import io.dpft.privacy.accounting.PrivacyAccountant;

/** Placeholder until implemented: the smallest σ reaching a target (ε, δ). */
public final class NoiseCalibrator {
  private NoiseCalibrator() {}

  /**
   * The smallest noise multiplier σ (to a relative tolerance) whose ε after {@code steps} steps
   * at sampling rate {@code sampleRate} is at most {@code targetEpsilon} at {@code delta}.
   *
   * @throws IllegalArgumentException when no σ reaches the target, naming why
   */
  public static Calibration calibrate(
      PrivacyAccountant accountant,
      double targetEpsilon,
      double delta,
      double sampleRate,
      long steps) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
