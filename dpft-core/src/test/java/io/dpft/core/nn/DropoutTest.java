package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Inverted dropout against its definition: Bernoulli(q) keeps, scaled by 1/q, with q = 1 − p up to
 * p's rounding to 16 bits.
 */
class DropoutTest {
  @Test
  void training_dropsAFractionPAndScalesTheRest_gradientIsTheScaledMask() {
    double p = 0.3;
    int n = 200_000;
    try (PointerScope scope = new PointerScope();
        Dropout dropout = new Dropout(p)) {
      torch.manual_seed(5);
      Tensor x = torch.rand(n).add(new org.bytedeco.pytorch.Scalar(1.0)).requires_grad_(true);
      Tensor y = dropout.forward(x);
      y.sum().backward();
      float[] in = values(x.detach());
      float[] out = values(y.detach());
      float[] grad = values(x.grad());
      double keep = Dropout.keepProbability(p);
      assertThat(keep).isCloseTo(1 - p, within(0x1p-17));
      int zeros = 0;
      int[] laneZeros = new int[4];
      int pairZeros = 0; // entries 2j and 2j+1, cut from one 32-bit half of a draw
      for (int i = 0; i < n; i++) {
        if (out[i] == 0) {
          zeros++;
          laneZeros[i % 4]++;
          pairZeros += i % 2 == 1 && out[i - 1] == 0 ? 1 : 0;
          assertThat(grad[i]).isZero();
        } else {
          assertThat((double) out[i]).isCloseTo(in[i] / keep, within(1e-5));
          assertThat((double) grad[i]).isCloseTo(1 / keep, within(1e-6));
        }
      }
      // binomial(n, p): standard deviation sqrt(n p (1-p)) ≈ 205; allow 5 of them
      assertThat((double) zeros).isCloseTo(n * p, within(5 * Math.sqrt(n * p * (1 - p))));
      // each 16-bit quarter of a 64-bit draw alone too (a biased top bit would show in one lane)
      for (int lane : laneZeros) {
        assertThat((double) lane).isCloseTo(n / 4 * p, within(5 * Math.sqrt(n / 4 * p * (1 - p))));
      }
      // and independent of each other: both of a pair dropped with probability p²
      double both = p * p;
      assertThat((double) pairZeros)
          .isCloseTo(n / 2 * both, within(5 * Math.sqrt(n / 2 * both * (1 - both))));
    }
  }

  @Test
  void evaluation_isTheIdentity() {
    try (PointerScope scope = new PointerScope();
        Dropout dropout = new Dropout(0.5)) {
      dropout.eval();
      Tensor x = torch.rand(1000);
      assertThat(values(dropout.forward(x))).containsExactly(values(x));
    }
  }
}
