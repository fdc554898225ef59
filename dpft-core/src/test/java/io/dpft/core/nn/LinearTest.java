package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LinearTest {
  private static final int B = 2;
  private static final int T = 3;
  private static final int IN = 5;
  private static final int OUT = 4;

  /** z[b,t,o] = Σ_i a[b,t,i] W(o,i) + bias[o], with W(o,i) read in the given layout. */
  private static float[] javaLinear(float[] a, float[] w, float[] bias, WeightLayout layout) {
    float[] z = new float[B * T * OUT];
    for (int r = 0; r < B * T; r++) {
      for (int o = 0; o < OUT; o++) {
        double sum = bias == null ? 0 : bias[o];
        for (int i = 0; i < IN; i++) {
          float wOi = layout == WeightLayout.OUT_IN ? w[o * IN + i] : w[i * OUT + o];
          sum += a[r * IN + i] * wOi;
        }
        z[r * OUT + o] = (float) sum;
      }
    }
    return z;
  }

  private static void checkAgainstJava(WeightLayout layout, boolean bias) {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear(IN, OUT, bias, layout)) {
      Random random = new Random(1);
      float[] a = gaussian(random, B * T * IN);
      Tensor z = linear.forward(floats(a, B, T, IN));
      float[] w = values(linear.weight().tensor());
      float[] b = bias ? gaussian(random, OUT) : null;
      if (bias) {
        linear.bias().orElseThrow().tensor().detach().copy_(floats(b, OUT));
        z = linear.forward(floats(a, B, T, IN));
      }
      assertThat(z.shape()).containsExactly(B, T, OUT);
      assertThat(maxAbsDiff(values(z), javaLinear(a, w, b, layout))).isLessThan(1e-5);
    }
  }

  @Test
  void forward_outInLayout_matchesJavaLoops() {
    checkAgainstJava(WeightLayout.OUT_IN, true);
  }

  @Test
  void forward_inOutLayout_matchesJavaLoops() {
    checkAgainstJava(WeightLayout.IN_OUT, true);
  }

  @Test
  void forward_withoutBias_matchesJavaLoops() {
    checkAgainstJava(WeightLayout.OUT_IN, false);
  }

  @Test
  void parameters_haveLayoutShapesAndKinds() {
    try (Linear torchLayout = new Linear(IN, OUT, true);
        Linear conv1d = new Linear(IN, OUT, false, WeightLayout.IN_OUT)) {
      assertThat(torchLayout.parameters()).containsOnlyKeys("weight", "bias");
      assertThat(torchLayout.weight().shape()).containsExactly(OUT, IN);
      assertThat(torchLayout.weight().kind()).isEqualTo(ParameterKind.WEIGHT);
      assertThat(torchLayout.bias().orElseThrow().kind()).isEqualTo(ParameterKind.BIAS);
      assertThat(torchLayout.bias().orElseThrow().shape()).containsExactly(OUT);
      assertThat(conv1d.parameters()).containsOnlyKeys("weight");
      assertThat(conv1d.weight().shape()).containsExactly(IN, OUT);
    }
  }

  @Test
  void constructor_zeroOutFeatures_throws() {
    assertThatThrownBy(() -> new Linear(IN, 0, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outFeatures")
        .hasMessageContaining("0");
  }
}
