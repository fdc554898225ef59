package io.dpft.data.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopKAccuracyTest {
  private static final float[][] SCORES = {
    {0.1f, 0.9f, 0.3f, 0.2f, 0.5f, 0.0f, 0.4f}, // gold 1: rank 0
    {0.1f, 0.9f, 0.3f, 0.2f, 0.5f, 0.0f, 0.4f}, // gold 3: 0.9, 0.5, 0.4, 0.3 above -> rank 4
    {0.1f, 0.9f, 0.3f, 0.2f, 0.5f, 0.0f, 0.4f}, // gold 0: 5 above -> rank 5
    {0.1f, 0.9f, 0.3f, 0.2f, 0.5f, 0.0f, 0.4f}, // gold 5: 6 above -> rank 6
  };
  private static final int[] GOLD = {1, 3, 0, 5};

  @Test
  void top5_byHand() {
    assertThat(TopKAccuracy.of(SCORES, GOLD, 5)).isEqualTo(2.0 / 4);
    assertThat(TopKAccuracy.of(SCORES, GOLD, 1)).isEqualTo(1.0 / 4);
    assertThat(TopKAccuracy.of(SCORES, GOLD, 7)).isEqualTo(1.0);
  }

  @Test
  void ties_brokenByLowerIndex() {
    float[][] tied = {{0.5f, 0.5f, 0.5f}};
    assertThat(TopKAccuracy.of(tied, new int[] {1}, 1)).isZero();
    assertThat(TopKAccuracy.of(tied, new int[] {0}, 1)).isEqualTo(1.0);
  }

  @Test
  void kZero_throws() {
    assertThatThrownBy(() -> TopKAccuracy.of(SCORES, GOLD, 0)).hasMessageContaining("k must be >= 1, got 0");
  }
}
