package io.dpft.privacy.sampling;

import io.dpft.privacy.PrivacyChecks;

/**
 * How often and how densely examples are sampled: sampling rate q and number of steps. Built
 * from either form the user thinks in (batch size and dataset size; epochs).
 */
public record SamplingSchedule(double sampleRate, long steps) {
  public SamplingSchedule {
    PrivacyChecks.sampleRate(sampleRate);
    PrivacyChecks.steps(steps);
  }

  /** q = B / N for an expected (logical) batch size B out of N examples. */
  public static double sampleRate(long batchSize, long datasetSize) {
    PrivacyChecks.batchSize(batchSize, datasetSize);
    return (double) batchSize / datasetSize;
  }

  /** Steps for {@code epochs} passes at rate q: floor(epochs / q), at least 1. */
  public static SamplingSchedule ofEpochs(double sampleRate, double epochs) {
    PrivacyChecks.sampleRate(sampleRate);
    PrivacyChecks.positive("epochs", epochs);
    long steps = (long) Math.floor(epochs / sampleRate + 1e-9);
    return new SamplingSchedule(sampleRate, Math.max(1, steps));
  }
}
