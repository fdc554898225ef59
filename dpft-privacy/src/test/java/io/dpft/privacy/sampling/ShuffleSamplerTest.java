package io.dpft.privacy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShuffleSamplerTest {

  private static List<Integer> epoch(ShuffleSampler sampler) {
    List<Integer> seen = new ArrayList<>();
    for (int b = 0; b < sampler.batchesPerEpoch(); b++) {
      for (int index : sampler.nextBatch()) {
        seen.add(index);
      }
    }
    return seen;
  }

  @Test
  void everyEpoch_coversEveryIndexExactlyOnce() {
    ShuffleSampler sampler = ShuffleSampler.secure(103, 10);
    assertThat(sampler.batchesPerEpoch()).isEqualTo(11);
    Integer[] all = IntStream.range(0, 103).boxed().toArray(Integer[]::new);
    List<Integer> first = epoch(sampler);
    List<Integer> second = epoch(sampler);
    assertThat(first).containsExactlyInAnyOrder(all);
    assertThat(second).containsExactlyInAnyOrder(all);
    assertThat(second).isNotEqualTo(first); // same order twice: probability 1/103!
  }

  @Test
  void batches_haveTheFixedSize_exceptTheRemainder() {
    ShuffleSampler sampler = ShuffleSampler.seeded(23, 5, 1);
    int[] sizes = IntStream.range(0, 5).map(i -> sampler.nextBatch().length).toArray();
    assertThat(sizes).containsExactly(5, 5, 5, 5, 3);
  }

  @Test
  void seeded_isReproducible_andRestoresMidEpoch() {
    ShuffleSampler a = ShuffleSampler.seeded(50, 8, 5);
    ShuffleSampler b = ShuffleSampler.seeded(50, 8, 5);
    assertThat(b.nextBatch()).isEqualTo(a.nextBatch());
    a.nextBatch();
    a.nextBatch();
    ShuffleSampler resumed = new ShuffleSampler(a.state());
    for (int i = 0; i < 10; i++) {
      assertThat(resumed.nextBatch()).isEqualTo(a.nextBatch());
    }
    assertThat(a.isSecure()).isFalse();
  }

  @Test
  void doesNotMatchTheAccountingAnalysis() {
    assertThat(ShuffleSampler.secure(10, 2).matchesAccountingAnalysis()).isFalse();
  }

  @Test
  void batchSize_aboveDatasetSize_throws() {
    assertThatThrownBy(() -> ShuffleSampler.secure(10, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize must be <= datasetSize, got batchSize=11, datasetSize=10");
  }

  @Test
  void batchSize_zero_throws() {
    assertThatThrownBy(() -> ShuffleSampler.secure(10, 0))
        .hasMessageContaining("batchSize must be >= 1, got 0");
  }
}
