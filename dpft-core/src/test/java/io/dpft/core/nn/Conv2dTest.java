package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** ViT-style patch embedding (kernel = stride = P) against patches cut out in Java. */
class Conv2dTest {
  private static final int B = 2;
  private static final int C = 3;
  private static final int H = 6;
  private static final int W = 4;
  private static final int P = 2;
  private static final int OUT = 5;
  private static final int L = (H / P) * (W / P);
  private static final int K = C * P * P;

  /** patches[b][k][l], k = (c, dy, dx) row-major, l = (py, px) row-major. */
  private static float[] javaPatches(float[] x) {
    float[] u = new float[B * K * L];
    for (int b = 0; b < B; b++) {
      for (int c = 0; c < C; c++) {
        for (int dy = 0; dy < P; dy++) {
          for (int dx = 0; dx < P; dx++) {
            int k = (c * P + dy) * P + dx;
            for (int py = 0; py < H / P; py++) {
              for (int px = 0; px < W / P; px++) {
                int l = py * (W / P) + px;
                u[(b * K + k) * L + l] = x[((b * C + c) * H + py * P + dy) * W + px * P + dx];
              }
            }
          }
        }
      }
    }
    return u;
  }

  @Test
  void patchEmbedding_matchesJavaPatchesTimesKernel() {
    try (PointerScope scope = new PointerScope(); Conv2d conv = new Conv2d(C, OUT, P, P, true)) {
      Random random = new Random(7);
      float[] x = gaussian(random, B * C * H * W);
      float[] bias = gaussian(random, OUT);
      conv.bias().orElseThrow().tensor().detach().copy_(floats(bias, OUT));
      float[] kernel = values(conv.weight().tensor()); // (OUT, C, P, P) = (OUT, K)
      float[] u = javaPatches(x);
      float[] expected = new float[B * OUT * L];
      for (int b = 0; b < B; b++) {
        for (int o = 0; o < OUT; o++) {
          for (int l = 0; l < L; l++) {
            double sum = bias[o];
            for (int k = 0; k < K; k++) {
              sum += kernel[o * K + k] * u[(b * K + k) * L + l];
            }
            expected[(b * OUT + o) * L + l] = (float) sum;
          }
        }
      }
      Tensor z = conv.forward(floats(x, B, C, H, W));
      assertThat(z.shape()).containsExactly(B, OUT, H / P, W / P);
      assertThat(maxAbsDiff(values(z), expected)).isLessThan(1e-5);
    }
  }

  @Test
  void unfold_matchesJavaPatches() {
    try (PointerScope scope = new PointerScope(); Conv2d conv = new Conv2d(C, OUT, P, P, false)) {
      float[] x = gaussian(new Random(8), B * C * H * W);
      Tensor u = conv.unfold(floats(x, B, C, H, W));
      assertThat(u.shape()).containsExactly(B, K, L);
      assertThat(maxAbsDiff(values(u), javaPatches(x))).isZero();
      assertThat(conv.parameters()).containsOnlyKeys("weight");
    }
  }
}
