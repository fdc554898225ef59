package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longs;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
  private static final int VOCAB = 6;
  private static final int D = 4;
  private static final long[] IDS = {3, 0, 5, 3, 1, 0}; // (2, 3)

  @Test
  void forward_looksUpRows() {
    try (PointerScope scope = new PointerScope(); Embedding embedding = new Embedding(VOCAB, D)) {
      float[] table = values(embedding.weight().tensor());
      Tensor z = embedding.forward(longs(IDS, 2, 3));
      float[] expected = new float[IDS.length * D];
      for (int k = 0; k < IDS.length; k++) {
        System.arraycopy(table, (int) IDS[k] * D, expected, k * D, D);
      }
      assertThat(z.shape()).containsExactly(2, 3, D);
      assertThat(maxAbsDiff(values(z), expected)).isZero();
    }
  }

  @Test
  void backward_paddingRowGetsNoGradient_otherRowsSumUpstream() {
    try (PointerScope scope = new PointerScope();
        Embedding embedding = new Embedding(VOCAB, D, 0)) {
      float[] upstream = gaussian(new Random(5), IDS.length * D);
      Tensor z = embedding.forward(longs(IDS, 2, 3));
      z.mul(TestTensors.floats(upstream, 2, 3, D)).sum().backward();
      float[] expected = new float[VOCAB * D];
      for (int k = 0; k < IDS.length; k++) {
        for (int j = 0; j < D && IDS[k] != 0; j++) {
          expected[(int) IDS[k] * D + j] += upstream[k * D + j];
        }
      }
      assertThat(maxAbsDiff(values(embedding.weight().tensor().grad()), expected)).isLessThan(1e-6);
    }
  }

  @Test
  void parameters_singleEmbeddingTable() {
    try (Embedding embedding = new Embedding(VOCAB, D)) {
      assertThat(embedding.parameters()).containsOnlyKeys("weight");
      assertThat(embedding.weight().kind()).isEqualTo(ParameterKind.EMBEDDING);
      assertThat(embedding.weight().shape()).containsExactly(VOCAB, D);
    }
  }

  @Test
  void constructor_paddingIdxOutsideTable_throws() {
    assertThatThrownBy(() -> new Embedding(VOCAB, D, VOCAB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("paddingIdx")
        .hasMessageContaining(String.valueOf(VOCAB));
  }
}
