package io.dpft.privacy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class PoissonSamplerTest {
  /** Two-sided standard-normal quantile for a false-failure probability of 1e-6 per check. */
  private static final double Z_ONE_IN_A_MILLION = 4.8916;

  /**
   * Batch sizes are Binomial(N, q): the mean of K sizes is within z·√(Nq(1−q)/K) of qN, and the
   * sample variance s² within z·sd(s²) of Nq(1−q), sd(s²)² = σ⁴(2/(K−1) + κ/K) with the binomial
   * excess kurtosis κ = (1 − 6q(1−q))/(Nq(1−q)). Two checks at z = 4.8916: false-failure
   * probability ≤ 2e-6 (normal approximation).
   */
  @Test
  @Tag("statistical")
  void batchSizes_haveBinomialMeanAndVariance() {
    int n = 10_000;
    double q = 0.01;
    int batches = 4_000;
    PoissonSampler sampler = PoissonSampler.secure(n, q);
    double[] sizes = new double[batches];
    for (int i = 0; i < batches; i++) {
      sizes[i] = sampler.nextBatch().length;
    }
    double mean = Arrays.stream(sizes).average().orElseThrow();
    double variance =
        Arrays.stream(sizes).map(s -> (s - mean) * (s - mean)).sum() / (batches - 1);
    double binomialVariance = n * q * (1 - q);
    double kurtosis = (1 - 6 * q * (1 - q)) / binomialVariance;
    double meanZ = (mean - n * q) / Math.sqrt(binomialVariance / batches);
    double varianceZ =
        (variance - binomialVariance)
            / (binomialVariance * Math.sqrt(2.0 / (batches - 1) + kurtosis / batches));
    assertThat(Math.abs(meanZ)).isLessThan(Z_ONE_IN_A_MILLION);
    assertThat(Math.abs(varianceZ)).isLessThan(Z_ONE_IN_A_MILLION);
  }

  /**
   * Every index, including the first and the last, is included with probability q: over K
   * batches the counts c_i are Binomial(K, q) and X = Σ (c_i − Kq)² / (Kq(1−q)) is ≈ χ²_N, so (X
   * − N)/√(2N) is ≈ standard normal. False-failure probability ≈ 1e-6 (z = 4.8916).
   */
  @Test
  @Tag("statistical")
  void inclusion_isUniformOverIndices() {
    int n = 20;
    double q = 0.3;
    int batches = 5_000;
    PoissonSampler sampler = PoissonSampler.secure(n, q);
    long[] counts = new long[n];
    for (int i = 0; i < batches; i++) {
      for (int index : sampler.nextBatch()) {
        counts[index]++;
      }
    }
    double expected = batches * q;
    double chiSquare =
        Arrays.stream(counts)
            .mapToDouble(c -> (c - expected) * (c - expected) / (expected * (1 - q)))
            .sum();
    assertThat(Math.abs(chiSquare - n) / Math.sqrt(2.0 * n)).isLessThan(Z_ONE_IN_A_MILLION);
  }

  @Test
  void batches_areAscendingDistinctIndicesInRange() {
    PoissonSampler sampler = PoissonSampler.seeded(500, 0.2, 7);
    for (int i = 0; i < 50; i++) {
      int[] batch = sampler.nextBatch();
      assertThat(batch).isSorted().doesNotHaveDuplicates();
      assertThat(Arrays.stream(batch).allMatch(index -> index >= 0 && index < 500)).isTrue();
    }
  }

  @Test
  void fullSampleRate_takesEveryExample() {
    assertThat(PoissonSampler.seeded(5, 1.0, 1).nextBatch()).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void smallRate_givesEmptyBatches() {
    PoissonSampler sampler = PoissonSampler.seeded(10, 0.01, 3);
    long empty = 0;
    for (int i = 0; i < 100; i++) {
      empty += sampler.nextBatch().length == 0 ? 1 : 0;
    }
    assertThat(empty).isPositive(); // P(no empty batch) = (1 - 0.99^10)^100 < 1e-100
  }

  @Test
  void seeded_sameSeedSameBatches_otherSeedOtherBatches() {
    PoissonSampler a = PoissonSampler.seeded(1000, 0.05, 42);
    PoissonSampler b = PoissonSampler.seeded(1000, 0.05, 42);
    PoissonSampler c = PoissonSampler.seeded(1000, 0.05, 43);
    int[] first = a.nextBatch();
    assertThat(b.nextBatch()).isEqualTo(first);
    assertThat(c.nextBatch()).isNotEqualTo(first);
    assertThat(a.isSecure()).isFalse();
  }

  @Test
  void secure_isNotReproducible() {
    PoissonSampler a = PoissonSampler.secure(1000, 0.05);
    PoissonSampler b = PoissonSampler.secure(1000, 0.05);
    assertThat(a.nextBatch()).isNotEqualTo(b.nextBatch());
    assertThat(a.isSecure()).isTrue();
  }

  @Test
  void restoreFromState_continuesWithTheSameBatches() {
    PoissonSampler original = PoissonSampler.secure(300, 0.1);
    for (int i = 0; i < 5; i++) {
      original.nextBatch();
    }
    PoissonSampler.State saved = original.state();
    PoissonSampler resumed = new PoissonSampler(saved);
    assertThat(saved.step()).isEqualTo(5);
    for (int i = 0; i < 3; i++) {
      assertThat(resumed.nextBatch()).isEqualTo(original.nextBatch());
    }
    assertThat(resumed.step()).isEqualTo(8);
  }

  @Test
  void batchAtStep_isTheBatchDrawnAtThatStep() {
    PoissonSampler sampler = PoissonSampler.seeded(300, 0.1, 9);
    int[] third = sampler.batch(2);
    sampler.nextBatch();
    sampler.nextBatch();
    assertThat(sampler.nextBatch()).isEqualTo(third);
  }

  @Test
  void matchesAccountingAnalysis_andReportsExpectedBatchSize() {
    PoissonSampler sampler = PoissonSampler.seeded(2000, 0.016, 1);
    assertThat(sampler.matchesAccountingAnalysis()).isTrue();
    assertThat(sampler.expectedBatchSize()).isEqualTo(32.0);
  }

  @Test
  void sampleRate_zero_throws() {
    assertThatThrownBy(() -> PoissonSampler.secure(100, 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleRate must be in (0, 1], got 0.0");
  }

  @Test
  void datasetSize_zero_throws() {
    assertThatThrownBy(() -> PoissonSampler.seeded(0, 0.5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("datasetSize must be >= 1, got 0");
  }

  @Test
  void step_negative_throws() {
    assertThatThrownBy(() -> PoissonSampler.seeded(10, 0.5, 1).batch(-1))
        .hasMessageContaining("step must be >= 0");
  }
}
