package io.dpft.core.dp.norms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GramsTest {
  private static final int B = 3;
  private static final int T = 5;
  private static final int N = 7;

  @BeforeAll
  static void seed() {
    torch.manual_seed(17);
  }

  /** The elements of {@code x} in row-major order, as doubles. */
  private static double[] values(Tensor x) {
    Tensor d = x.to(torch.ScalarType.Double).contiguous();
    double[] out = new double[(int) d.numel()];
    d.data_ptr_double().get(out);
    return out;
  }

  /** x_i x_iᵀ by a Java loop over samples and positions, in double. */
  private static double[][][] gramLoop(Tensor x) {
    int n = (int) x.size(2);
    int positions = (int) x.size(1);
    double[] v = values(x);
    double[][][] out = new double[(int) x.size(0)][positions][positions];
    for (int i = 0; i < out.length; i++) {
      for (int t = 0; t < positions; t++) {
        for (int s = 0; s < positions; s++) {
          double dot = 0;
          for (int k = 0; k < n; k++) {
            dot += v[(i * positions + t) * n + k] * v[(i * positions + s) * n + k];
          }
          out[i][t][s] = dot;
        }
      }
    }
    return out;
  }

  private static void assertUpperOfLoopGram(Tensor upper, Tensor x) {
    double[][][] expected = gramLoop(x);
    int positions = (int) x.size(1);
    assertThat(upper.shape()).containsExactly(x.size(0), (long) positions, (long) positions);
    double[] actual = values(upper);
    for (int i = 0; i < expected.length; i++) {
      for (int t = 0; t < positions; t++) {
        for (int s = 0; s < positions; s++) {
          double want = s >= t ? expected[i][t][s] : 0;
          assertThat(actual[(i * positions + t) * positions + s]).isCloseTo(want, within(1e-5));
        }
      }
    }
  }

  @Test
  void upper_isTheUpperTriangleOfEachSamplesGram_zerosBelow_floatAndDouble() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Tensor x = torch.randn(B, T, N);
      assertUpperOfLoopGram(grams.upper(x), x);
      Tensor strided = torch.randn(B, N, T).transpose(1, 2); // not contiguous
      assertUpperOfLoopGram(grams.upper(strided), strided);
      Tensor doubles = torch.randn(B, T, N).to(torch.ScalarType.Double);
      assertUpperOfLoopGram(grams.upper(doubles), doubles);
    }
  }

  @Test
  void innerProducts_ofUpperTriangles_sumsTheFullProducts() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Tensor x = torch.randn(B, T, N);
      Tensor y = torch.randn(B, T, 2 * N);
      double[][][] p = gramLoop(x);
      double[][][] q = gramLoop(y);
      Tensor both = Grams.innerProducts(grams.upper(x), grams.upper(y));
      Tensor fullLeft = Grams.innerProducts(torch.bmm(x, x.transpose(1, 2)), grams.upper(y));
      for (int i = 0; i < B; i++) {
        double expected = 0;
        for (int t = 0; t < T; t++) {
          for (int s = 0; s < T; s++) {
            expected += p[i][t][s] * q[i][t][s];
          }
        }
        double tolerance = 1e-5 * Math.abs(expected) + 1e-5;
        assertThat(both.get(i).item_double()).isCloseTo(expected, within(tolerance));
        assertThat(fullLeft.get(i).item_double()).isCloseTo(expected, within(tolerance));
      }
    }
  }

  @Test
  void sameTensor_getsTheGramFormedOnce_anotherOrAChangedOneGetsItsOwn() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Tensor x = torch.randn(B, T, N);
      Tensor first = grams.upper(x);
      Tensor again = grams.upper(x.detach()); // another handle on the same memory
      assertThat(again.data_ptr().address()).isEqualTo(first.data_ptr().address());

      Tensor copy = x.clone(); // same values, other memory: formed on its own
      assertThat(grams.upper(copy).data_ptr().address()).isNotEqualTo(first.data_ptr().address());

      Tensor view = x.narrow(1, 0, T - 1); // same data pointer, other shape
      assertUpperOfLoopGram(grams.upper(view), view);

      x.mul_(new Scalar(2.0)); // changed in place: a stale Gram would be a quarter of the new one
      assertUpperOfLoopGram(grams.upper(x), x);
    }
  }

  @Test
  void evictedGram_staysValidForItsHolder_andIsFormedAgainWhenAskedFor() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Tensor x = torch.randn(B, T, N);
      Tensor held = grams.upper(x);
      for (int k = 0; k < Grams.CAPACITY; k++) {
        grams.upper(torch.randn(B, T, N));
      }
      assertUpperOfLoopGram(held, x);
      assertThat(grams.upper(x).data_ptr().address()).isNotEqualTo(held.data_ptr().address());
    }
  }
}
