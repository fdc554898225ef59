package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.DoubleUnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

class ActivationTest {
  private static final int N = 81;

  /** x in [-5, 5]. */
  private static float[] grid() {
    float[] x = new float[N];
    for (int i = 0; i < N; i++) {
      x[i] = -5f + 10f * i / (N - 1);
    }
    return x;
  }

  /** Φ(x) = 1/2 + ∫_0^x φ(t) dt by composite Simpson with 2000 intervals (error ~1e-13). */
  private static double normalCdf(double x) {
    int n = 2000;
    double h = x / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double t = i * h;
      double w = i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2);
      sum += w * Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
    }
    return 0.5 + sum * h / 3;
  }

  private static void check(Activation activation, DoubleUnaryOperator closedForm) {
    try (PointerScope scope = new PointerScope()) {
      float[] x = grid();
      float[] expected = new float[N];
      for (int i = 0; i < N; i++) {
        expected[i] = (float) closedForm.applyAsDouble(x[i]);
      }
      assertThat(maxAbsDiff(values(activation.apply(floats(x, N))), expected)).isLessThan(2e-6);
    }
  }

  @Test
  void gelu_matchesXTimesNormalCdf() {
    check(Activation.GELU, x -> x * normalCdf(x));
  }

  @Test
  void geluTanh_matchesTanhApproximation() {
    check(Activation.GELU_TANH,
        x -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
  }

  @Test
  void geluVariants_differ() {
    try (PointerScope scope = new PointerScope()) {
      float[] x = grid();
      assertThat(maxAbsDiff(values(Activation.GELU.apply(floats(x, N))),
          values(Activation.GELU_TANH.apply(floats(x, N))))).isGreaterThan(1e-4);
    }
  }

  @Test
  void relu_and_tanh_matchClosedForm() {
    check(Activation.RELU, x -> Math.max(0, x));
    check(Activation.TANH, Math::tanh);
  }

  @Test
  void fromHfName_mapsHuggingFaceNames() {
    assertThat(Activation.fromHfName("gelu")).isEqualTo(Activation.GELU);
    assertThat(Activation.fromHfName("gelu_new")).isEqualTo(Activation.GELU_TANH);
    assertThat(Activation.fromHfName("gelu_pytorch_tanh")).isEqualTo(Activation.GELU_TANH);
    assertThat(Activation.fromHfName("relu")).isEqualTo(Activation.RELU);
  }

  @Test
  void fromHfName_unknown_throwsListingSupported() {
    assertThatThrownBy(() -> Activation.fromHfName("swish"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("swish").hasMessageContaining("gelu_new");
  }
}
