package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Inverted dropout against its definition: Bernoulli(1-p) keeps, scaled by 1/(1-p). */
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
      int zeros = 0;
      for (int i = 0; i < n; i++) {
        if (out[i] == 0) {
          zeros++;
          assertThat(grad[i]).isZero();
        } else {
          assertThat((double) out[i]).isCloseTo(in[i] / (1 - p), within(1e-5));
          assertThat((double) grad[i]).isCloseTo(1 / (1 - p), within(1e-6));
        }
      }
      // binomial(n, p): standard deviation sqrt(n p (1-p)) ≈ 205; allow 5 of them
      assertThat((double) zeros).isCloseTo(n * p, within(5 * Math.sqrt(n * p * (1 - p))));
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
