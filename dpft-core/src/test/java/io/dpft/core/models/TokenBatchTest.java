package io.dpft.core.models;

import static io.dpft.core.nn.TestTensors.longValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.batching.TextBatch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

class TokenBatchTest {
  @Test
  void of_copiesRowsIntoInt64Tensors() {
    try (PointerScope scope = new PointerScope()) {
      TokenBatch batch = TokenBatch.of(new long[][] {{101, 7, 102}, {101, 102, 0}},
          new long[][] {{1, 1, 1}, {1, 1, 0}}, new long[][] {{0, 0, 0}, {0, 1, 1}});
      assertThat(batch.inputIds().shape()).containsExactly(2, 3);
      assertThat(longValues(batch.inputIds())).containsExactly(101, 7, 102, 101, 102, 0);
      assertThat(longValues(batch.attentionMask())).containsExactly(1, 1, 1, 1, 1, 0);
      assertThat(longValues(batch.tokenTypeIds())).containsExactly(0, 0, 0, 0, 1, 1);
      assertThat(batch.batchSize()).isEqualTo(2);
      assertThat(batch.length()).isEqualTo(3);
    }
  }

  @Test
  void of_textBatch_copiesFlatArrays() {
    try (PointerScope scope = new PointerScope()) {
      TokenBatch batch = TokenBatch.of(new TextBatch(2, 2, new long[] {101, 102, 101, 0},
          new long[] {1, 1, 1, 0}, new long[] {0, 1, 0, 0}, new long[] {3, 4}, new int[] {7, 8}));
      assertThat(batch.inputIds().shape()).containsExactly(2, 2);
      assertThat(longValues(batch.inputIds())).containsExactly(101, 102, 101, 0);
      assertThat(longValues(batch.attentionMask())).containsExactly(1, 1, 1, 0);
      assertThat(longValues(batch.tokenTypeIds())).containsExactly(0, 1, 0, 0);
    }
  }

  @Test
  void of_flatArrayOfWrongSize_throws() {
    assertThatThrownBy(() -> TokenBatch.of(2, 3, new long[6], new long[5], null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attentionMask")
        .hasMessageContaining("2 × 3").hasMessageContaining("got 5");
  }

  @Test
  void of_noRows_throws() {
    assertThatThrownBy(() -> TokenBatch.of(new long[0][], new long[0][]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
  }

  @Test
  void of_raggedRows_throwsNamingRow() {
    assertThatThrownBy(() -> TokenBatch.of(new long[][] {{1, 2}, {1}}, new long[][] {{1, 1}, {1}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputIds")
        .hasMessageContaining("row 1");
  }

  @Test
  void of_maskEntryNotBinary_throws() {
    assertThatThrownBy(() -> TokenBatch.of(new long[][] {{1, 2}}, new long[][] {{1, 2}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attentionMask")
        .hasMessageContaining("got 2");
  }

  @Test
  void of_maskRowCountDiffers_throws() {
    assertThatThrownBy(() -> TokenBatch.of(new long[][] {{1, 2}}, new long[][] {{1, 1}, {1, 1}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 rows, got 2");
  }
}
