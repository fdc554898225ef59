package io.dpft.privacy.sampling;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.random.StreamKey;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Poisson sampling: at every step each example joins the batch independently with probability q
 * ({@code sampleRate}). This is the sampling that the privacy amplification of the accountants
 * assumes (Mironov, Talwar, Zhang 2019; Abadi et al. 2016), so batch sizes vary — Binomial(N, q),
 * mean qN — and a batch may be empty; the training loop must divide the noisy gradient sum by the
 * expected batch size qN, not by the actual size.
 *
 * <p>Batch k is a pure function of the key and k: it is drawn from stream k of an {@link
 * io.dpft.privacy.random.AesCtrRandom} keyed by {@link StreamKey}, by skipping over the excluded
 * examples with geometric gaps (the gap before the next included example is ⌊log U / log(1 −
 * q)⌋, U uniform in (0, 1]), which costs O(qN) rather than O(N) draws. {@link #state()} (key and
 * step) therefore resumes a run exactly. Not thread-safe.
 */
public final class PoissonSampler implements BatchSampler {

  /**
   * Everything needed to resume: N, q, the secret key and the next step. Save it with a
   * checkpoint, protected like the data (the key lets anyone recompute the batches).
   */
  public record State(int datasetSize, double sampleRate, StreamKey key, long step) {
    public State {
      PrivacyChecks.atLeastOne("datasetSize", datasetSize);
      PrivacyChecks.sampleRate(sampleRate);
      Objects.requireNonNull(key, "key must not be null");
      PrivacyChecks.nonNegative("step", step);
    }
  }

  private final int datasetSize;
  private final double sampleRate;
  private final StreamKey key;
  private long step;

  /** Resumes the sampler saved as {@code state}. */
  public PoissonSampler(State state) {
    this.datasetSize = state.datasetSize();
    this.sampleRate = state.sampleRate();
    this.key = state.key();
    this.step = state.step();
  }

  /** A sampler keyed from SecureRandom, starting at step 0. */
  public static PoissonSampler secure(int datasetSize, double sampleRate) {
    return new PoissonSampler(new State(datasetSize, sampleRate, StreamKey.generate(), 0));
  }

  /** A reproducible (not private) sampler whose batches are determined by {@code seed}. */
  public static PoissonSampler seeded(int datasetSize, double sampleRate, long seed) {
    return new PoissonSampler(
        new State(datasetSize, sampleRate, StreamKey.fromSeed("poisson-sampling", seed), 0));
  }

  /** The batch at {@code step} (ascending indices), without changing this sampler's position. */
  public int[] batch(long step) {
    PrivacyChecks.nonNegative("step", step);
    if (sampleRate == 1.0) {
      return IntStream.range(0, datasetSize).toArray();
    }
    RandomGenerator random = key.stream(step);
    double logExclusion = Math.log1p(-sampleRate);
    IntStream.Builder batch = IntStream.builder();
    long index = -1;
    while (true) {
      double gap = Math.floor(Math.log(1.0 - random.nextDouble()) / logExclusion);
      if (gap >= datasetSize - 1 - index) {
        return batch.build().toArray();
      }
      index += (long) gap + 1;
      batch.add((int) index);
    }
  }

  @Override
  public int[] nextBatch() {
    return batch(step++);
  }

  /** The state to save for resuming at the current step. */
  public State state() {
    return new State(datasetSize, sampleRate, key, step);
  }

  /** The expected batch size qN, by which the noisy gradient sum is divided. */
  public double expectedBatchSize() {
    return sampleRate * datasetSize;
  }

  @Override
  public double sampleRate() {
    return sampleRate;
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public int datasetSize() {
    return datasetSize;
  }

  /** True: Poisson sampling is what the accountants analyse. */
  @Override
  public boolean matchesAccountingAnalysis() {
    return true;
  }

  @Override
  public boolean isSecure() {
    return key.secure();
  }
}
