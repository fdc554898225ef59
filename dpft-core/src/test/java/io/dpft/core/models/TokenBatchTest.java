package io.dpft.core.models;

import static io.dpft.core.nn.TestTensors.longValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
