package io.dpft.privacy.calibration;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.PrivacyLoss;

/** A calibrated noise multiplier σ and the privacy loss it achieves (ε ≤ the target). */
public record Calibration(double noiseMultiplier, PrivacyLoss achieved) {
  public Calibration {
    PrivacyChecks.noiseMultiplier(noiseMultiplier);
  }
}
