package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LayerNormTest {
  private static final int ROWS = 6;
  private static final int D = 7;
  private static final double EPS = 1e-5;

  /** Per row: (x − mean) / sqrt(biased variance + eps) · γ + β, in doubles. */
  private static float[] javaLayerNorm(float[] x, float[] gamma, float[] beta) {
    float[] out = new float[x.length];
    for (int r = 0; r < ROWS; r++) {
      double mean = 0;
      for (int j = 0; j < D; j++) {
        mean += x[r * D + j];
      }
      mean /= D;
      double var = 0;
      for (int j = 0; j < D; j++) {
        double c = x[r * D + j] - mean;
        var += c * c;
      }
      var /= D;
      for (int j = 0; j < D; j++) {
        out[r * D + j] = (float) ((x[r * D + j] - mean) / Math.sqrt(var + EPS) * gamma[j] + beta[j]);
      }
    }
    return out;
  }

  private static float[] forwardWithRandomAffine(boolean underTape) {
    try (PointerScope scope = new PointerScope(); LayerNorm norm = new LayerNorm(D, EPS)) {
      Random random = new Random(3);
      float[] x = gaussian(random, ROWS * D);
      float[] gamma = gaussian(random, D);
      float[] beta = gaussian(random, D);
      norm.weight().tensor().detach().copy_(floats(gamma, D));
      norm.bias().orElseThrow().tensor().detach().copy_(floats(beta, D));
      float[] z;
      if (underTape) {
        try (Tape tape = Tape.start()) {
          z = values(norm.forward(floats(x, 2, ROWS / 2, D)));
          assertThat(tape.entries()).singleElement().satisfies(e -> assertThat(e.hasActivation()).isTrue());
        }
      } else {
        z = values(norm.forward(floats(x, 2, ROWS / 2, D)));
      }
      assertThat(maxAbsDiff(z, javaLayerNorm(x, gamma, beta))).isLessThan(1e-5);
      return z;
    }
  }

  @Test
  void forward_fusedKernel_matchesJavaLoops() {
    forwardWithRandomAffine(false);
  }

  @Test
  void forward_underTapeWithTrainableScale_matchesJavaLoops() {
    forwardWithRandomAffine(true);
  }

  @Test
  void tapeActivation_isNormalisedInputFormedAgainAtEachCall() {
    try (PointerScope scope = new PointerScope(); LayerNorm norm = new LayerNorm(D, EPS);
        Tape tape = Tape.start()) {
      float[] x = gaussian(new Random(4), ROWS * D);
      norm.forward(floats(x, ROWS, D));
      float[] ones = new float[D];
      Arrays.fill(ones, 1f);
      float[] xHat = javaLayerNorm(x, ones, new float[D]);
      Tape.Entry entry = tape.entries().get(0);
      assertThat(entry.activationShape()).containsExactly(ROWS, D);
      Tensor first = entry.activation();
      Tensor second = entry.activation();
      assertThat(first.data_ptr().address()).isNotEqualTo(second.data_ptr().address());
      assertThat(maxAbsDiff(values(first), xHat)).isLessThan(1e-5);
      assertThat(maxAbsDiff(values(second), xHat)).isLessThan(1e-5);
    }
  }

  @Test
  void parameters_areNormKinds() {
    try (LayerNorm norm = new LayerNorm(D, EPS)) {
      assertThat(norm.weight().kind()).isEqualTo(ParameterKind.NORM_WEIGHT);
      assertThat(norm.bias().orElseThrow().kind()).isEqualTo(ParameterKind.NORM_BIAS);
      assertThat(values(norm.weight().tensor())).containsOnly(1f);
      assertThat(values(norm.bias().orElseThrow().tensor())).containsOnly(0f);
    }
  }

  @Test
  void constructor_zeroEps_throws() {
    assertThatThrownBy(() -> new LayerNorm(D, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eps must be > 0");
  }
}
