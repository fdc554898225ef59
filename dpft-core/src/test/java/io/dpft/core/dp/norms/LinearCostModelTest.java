package io.dpft.core.dp.norms;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The cost model's decisions at the shapes of BERT-small layers; correctness is the contract's. */
class LinearCostModelTest {

  @Test
  void mixedGhostNorm_picksTheCheaperNorm() {
    assertThat(LinearCostModel.useGhostNorm(128, 384, 384)).isTrue(); // 98,304 < 294,912
    assertThat(LinearCostModel.useGhostNorm(256, 384, 384)).isTrue(); // 196,608 < 294,912
    assertThat(LinearCostModel.useGhostNorm(512, 384, 384)).isFalse(); // 393,216 > 294,912
  }

  @Test
  void instantiation_takenWhereCheaperThanBookKeepingAndNoLargerThanInputAndGradient() {
    // 384×384 (attention): book-keeping is cheaper at T = 128, instantiation at T = 256
    assertThat(LinearCostModel.cheaperToInstantiate(128, 384, 384)).isFalse();
    assertThat(LinearCostModel.cheaperToInstantiate(256, 384, 384)).isTrue();
    // 384×1536 (feed-forward): the per-sample gradient outgrows a and g below T = 308
    assertThat(LinearCostModel.cheaperToInstantiate(256, 384, 1536)).isFalse();
    assertThat(LinearCostModel.cheaperToInstantiate(512, 1536, 384)).isTrue();
    // without positions (a pooled head) book-keeping is one outer product per sample: cheaper
    assertThat(LinearCostModel.cheaperToInstantiate(1, 384, 2)).isFalse();
  }

  @Test
  void forcedModels_ignoreTheShapes() {
    assertThat(LinearCostModel.BOOK_KEEPING.instantiates(512, 1536, 384)).isFalse();
    assertThat(LinearCostModel.INSTANTIATED.instantiates(1, 384, 2)).isTrue();
    assertThat(LinearCostModel.CHEAPEST.instantiates(512, 1536, 384)).isTrue();
  }
}
