package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longs;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class KeyValueCacheTest {
  private static final int T = 5;
  private static final int D = 6;

  /** Token t attending over cached tokens 0..t must equal causal attention over the sequence. */
  @Test
  void attention_tokenByTokenWithCache_equalsFullCausalAttention() {
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, 2, 0.0,
            QkvProjection.COMBINED, WeightLayout.IN_OUT);
        KeyValueCache cache = new KeyValueCache(1)) {
      Tensor x = floats(gaussian(new Random(3), 2 * T * D), 2, T, D);
      Tensor full = attention.forward(x, AttentionMask.causal(T));
      Tensor[] steps = new Tensor[T];
      for (int t = 0; t < T; t++) {
        // a single new token may see every cached one: no mask needed
        try (PointerScope step = new PointerScope()) {
          steps[t] = attention.forward(x.narrow(1, t, 1), null, cache.layer(0)).retainReference();
        }
        assertThat(cache.length()).isEqualTo(t + 1);
      }
      Tensor incremental = torch.cat(new TensorVector(steps), 1);
      for (Tensor s : steps) {
        s.releaseReference();
      }
      assertThat(maxAbsDiff(incremental, full)).isLessThan(1e-6);
      // without the causal mask, early tokens would see later ones: the outputs must differ
      assertThat(maxAbsDiff(attention.forward(x, null), full)).isGreaterThan(1e-3);
    }
  }

  @Test
  void reorder_keepsTheGivenRowsInEveryLayer() {
    try (PointerScope scope = new PointerScope(); KeyValueCache cache = new KeyValueCache(2)) {
      for (int layer = 0; layer < 2; layer++) {
        float base = 10 * layer;
        // (B=3, heads=1, T=1, d=1): row b holds base + b
        cache.layer(layer).append(floats(new float[] {base, base + 1, base + 2}, 3, 1, 1, 1),
            floats(new float[] {-base, -base - 1, -base - 2}, 3, 1, 1, 1));
      }
      cache.reorder(longs(new long[] {2, 2, 0}, 3));
      Tensor[] all = cache.layer(1).append(floats(new float[] {7, 7, 7}, 3, 1, 1, 1),
          floats(new float[] {8, 8, 8}, 3, 1, 1, 1));
      assertThat(values(all[0])).containsExactly(12, 7, 12, 7, 10, 7);
      assertThat(values(all[1])).containsExactly(-12, 8, -12, 8, -10, 8);
      assertThat(cache.layer(1).length()).isEqualTo(2);
      assertThat(cache.layer(0).length()).isEqualTo(1);
    }
  }

  @Test
  void close_emptiesEveryLayer() {
    KeyValueCache cache = new KeyValueCache(1);
    try (PointerScope scope = new PointerScope()) {
      cache.layer(0).append(torch.zeros(1, 1, 4, 2), torch.zeros(1, 1, 4, 2));
    }
    assertThat(cache.length()).isEqualTo(4); // retained past the scope
    cache.close();
    assertThat(cache.length()).isZero();
    cache.close(); // idempotent
  }

  @Test
  void constructor_noLayers_throws() {
    assertThatThrownBy(() -> new KeyValueCache(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numLayers");
  }
}
