package io.dpft.core.dp;

import io.dpft.privacy.PrivacyChecks;

/**
 * The DP-SGD mechanism: per-sample clipping ({@code clipping} rule under {@code style}'s
 * thresholds) and Gaussian noise of std {@code noiseMultiplier × style.sensitivity()} per
 * coordinate, added once per logical batch. σ = 0 gives clipping without noise (no privacy; for
 * tests and ablations).
 */
public record DpSgdConfig(double noiseMultiplier, Clipping clipping, ClippingStyle style) {
  public DpSgdConfig {
    PrivacyChecks.nonNegative("noiseMultiplier", noiseMultiplier);
    if (clipping == null) {
      throw new IllegalArgumentException("clipping must be given (Abadi or Automatic)");
    }
    if (style == null) {
      throw new IllegalArgumentException("clipping style must be given");
    }
  }

  /** All-layer Abadi clipping at {@code maxGradNorm}: the textbook DP-SGD of Abadi et al. 2016. */
  public static DpSgdConfig abadi(double noiseMultiplier, double maxGradNorm) {
    return new DpSgdConfig(
        noiseMultiplier, new Clipping.Abadi(), new ClippingStyle.AllLayer(maxGradNorm));
  }

  /** The noise standard deviation per coordinate: σ·C. */
  public double noiseStd() {
    return noiseMultiplier * style.sensitivity();
  }
}
