package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.relativeDiff;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The kernel called directly against autograd through {@code scaled_dot_product_attention}. */
class FlashAttentionTest {

  private static Tensor[] gradients(Tensor out, Tensor upstream, Tensor... inputs) {
    return PerExampleReference.grad(out.mul(upstream).sum(), inputs);
  }

  @Test
  void outputAndGradients_matchAutogradOfScaledDotProductAttention_withAPaddingMask() {
    // 300 keys: past the blocks the kernel splits queries and keys into
    long b = 2;
    long h = 3;
    long t = 300;
    long dh = 8;
    torch.manual_seed(5);
    try (PointerScope scope = new PointerScope()) {
      Tensor q = torch.randn(b, h, t, dh).mul(new Scalar(2.0)).requires_grad_(true);
      Tensor k = torch.randn(b, h, t, dh).requires_grad_(true);
      Tensor v = torch.randn(b, h, t, dh).requires_grad_(true);
      Tensor keep = torch.ones(b, t);
      keep.narrow(1, 250, 50).narrow(0, 1, 1).zero_(); // the second sequence is padded
      Tensor mask = AttentionMask.padding(keep);
      Tensor upstream = torch.randn(b, h, t, dh);

      Tensor expected = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(mask), 0.0,
          false, new DoubleOptional(), false);
      Tensor[] expectedGradients = gradients(expected, upstream, q, k, v);
      Tensor out = FlashAttention.apply(q, k, v, mask);
      Tensor[] actual = gradients(out, upstream, q, k, v);

      assertThat(relativeDiff(out, expected)).isLessThan(1e-6);
      for (int i = 0; i < 3; i++) {
        assertThat(relativeDiff(actual[i], expectedGradients[i])).isLessThan(1e-5);
      }
    }
  }

  @Test
  void withoutAutograd_itIsNotUsed() {
    try (PointerScope scope = new PointerScope()) {
      Tensor q = torch.randn(1, 1, 4, 2);
      assertThat(FlashAttention.apply(q, q, q, null)).isNull();
    }
  }
}
