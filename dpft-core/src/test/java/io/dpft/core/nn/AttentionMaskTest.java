package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.longs;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AttentionMaskTest {
  private static final float M = (float) AttentionMask.MASKED;

  @Test
  void padding_masksPaddedKeysOnly() {
    try (PointerScope scope = new PointerScope()) {
      Tensor mask = AttentionMask.padding(longs(new long[] {1, 1, 0, 1, 0, 0}, 2, 3));
      assertThat(mask.shape()).containsExactly(2, 1, 1, 3);
      assertThat(values(mask)).containsExactly(0, 0, M, 0, M, M);
    }
  }

  @Test
  void causal_masksFutureKeys() {
    try (PointerScope scope = new PointerScope()) {
      Tensor mask = AttentionMask.causal(3);
      assertThat(mask.shape()).containsExactly(1, 1, 3, 3);
      assertThat(values(mask)).containsExactly(0, M, M, 0, 0, M, 0, 0, 0);
    }
  }

  @Test
  void causalWithPadding_masksBoth() {
    try (PointerScope scope = new PointerScope()) {
      Tensor mask = AttentionMask.causalWithPadding(longs(new long[] {0, 1, 1, 1}, 2, 2));
      assertThat(mask.shape()).containsExactly(2, 1, 2, 2);
      assertThat(values(mask)).containsExactly(M, M, M, 0, 0, M, 0, 0);
    }
  }
}
