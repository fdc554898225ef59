package io.dpft.privacy.accounting;

import io.dpft.privacy.PrivacyChecks;

/**
 * {@code steps} consecutive runs of the Poisson-subsampled Gaussian mechanism, each with noise
 * multiplier σ ({@code noiseMultiplier}, noise std divided by the clipping norm) and sampling
 * rate q ({@code sampleRate}, the probability that an example joins a batch).
 */
public record MechanismSegment(double noiseMultiplier, double sampleRate, long steps) {
  public MechanismSegment {
    PrivacyChecks.noiseMultiplier(noiseMultiplier);
    PrivacyChecks.sampleRate(sampleRate);
    PrivacyChecks.steps(steps);
  }
}
