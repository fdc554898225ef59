package io.dpft.privacy.sampling;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.random.StreamKey;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Fixed-size batches from a fresh random permutation every epoch (Fisher–Yates shuffle drawn from
 * stream e of an {@link io.dpft.privacy.random.AesCtrRandom} for epoch e): each epoch visits every
 * example exactly once, in ⌈N/B⌉ batches of B examples, the last one holding the N mod B that
 * remain when B does not divide N.
 *
 * <p><b>The privacy accountants do not analyse this sampler.</b> Their amplification by
 * subsampling assumes Poisson sampling ({@link PoissonSampler}); shuffling gives different (and
 * in general weaker) guarantees — see Chua et al. 2024, "How Private are DP-SGD Implementations?"
 * — so {@link #matchesAccountingAnalysis()} is false and reports must say that the ε is not a
 * guarantee for this run. Offered for comparison with the common practice. Not thread-safe.
 */
public final class ShuffleSampler implements BatchSampler {

  /** Everything needed to resume: N, B, the secret key and the next step. */
  public record State(int datasetSize, int batchSize, StreamKey key, long step) {
    public State {
      PrivacyChecks.batchSize(batchSize, datasetSize);
      Objects.requireNonNull(key, "key must not be null");
      PrivacyChecks.nonNegative("step", step);
    }
  }

  private final int datasetSize;
  private final int batchSize;
  private final StreamKey key;
  private final int batchesPerEpoch;
  private long step;
  private long permutedEpoch = -1;
  private int[] permutation;

  /** Resumes the sampler saved as {@code state}. */
  public ShuffleSampler(State state) {
    this.datasetSize = state.datasetSize();
    this.batchSize = state.batchSize();
    this.key = state.key();
    this.step = state.step();
    this.batchesPerEpoch = (datasetSize + batchSize - 1) / batchSize;
  }

  /** A sampler keyed from SecureRandom, starting at step 0. */
  public static ShuffleSampler secure(int datasetSize, int batchSize) {
    return new ShuffleSampler(new State(datasetSize, batchSize, StreamKey.generate(), 0));
  }

  /** A reproducible sampler whose permutations are determined by {@code seed}. */
  public static ShuffleSampler seeded(int datasetSize, int batchSize, long seed) {
    return new ShuffleSampler(
        new State(datasetSize, batchSize, StreamKey.fromSeed("shuffle-sampling", seed), 0));
  }

  @Override
  public int[] nextBatch() {
    long epoch = step / batchesPerEpoch;
    if (epoch != permutedEpoch) {
      permutation = permutation(epoch);
      permutedEpoch = epoch;
    }
    int from = (int) (step % batchesPerEpoch) * batchSize;
    step++;
    return Arrays.copyOfRange(permutation, from, Math.min(from + batchSize, datasetSize));
  }

  private int[] permutation(long epoch) {
    RandomGenerator random = key.stream(epoch);
    int[] order = IntStream.range(0, datasetSize).toArray();
    for (int i = datasetSize - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /** The state to save for resuming at the current step. */
  public State state() {
    return new State(datasetSize, batchSize, key, step);
  }

  /** Batches per epoch, ⌈N/B⌉. */
  public int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public double sampleRate() {
    return SamplingSchedule.sampleRate(batchSize, datasetSize);
  }

  @Override
  public int datasetSize() {
    return datasetSize;
  }

  /** False: the accountants assume Poisson sampling, not shuffled fixed-size batches. */
  @Override
  public boolean matchesAccountingAnalysis() {
    return false;
  }

  @Override
  public boolean isSecure() {
    return key.secure();
  }
}
