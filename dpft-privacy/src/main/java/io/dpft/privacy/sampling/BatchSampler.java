package io.dpft.privacy.sampling;

/**
 * Draws the batches of a training run as arrays of example indices in [0, datasetSize). Both
 * samplers take their randomness from {@link io.dpft.privacy.random.AesCtrRandom} streams: secure
 * by default, reproducible from a seed only when asked.
 */
public sealed interface BatchSampler permits PoissonSampler, ShuffleSampler {

  /** The next batch (possibly empty for Poisson sampling); advances {@link #step()} by one. */
  int[] nextBatch();

  /** How many batches have been drawn: the step number of the next batch. */
  long step();

  /** Number of examples N; indices are in [0, N). */
  int datasetSize();

  /** The rate q the accountant is told: Poisson's rate, or batch size / N when shuffling. */
  double sampleRate();

  /** Whether the privacy accountants' analysis (Poisson subsampling) applies to these batches. */
  boolean matchesAccountingAnalysis();

  /** False when the batches were derived from a user seed (reproducible, not private). */
  boolean isSecure();
}
