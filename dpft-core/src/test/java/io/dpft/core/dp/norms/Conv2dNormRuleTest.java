package io.dpft.core.dp.norms;

import static io.dpft.core.dp.norms.PerExampleReference.maxRelativeDiff;
import static io.dpft.core.dp.norms.PerExampleReference.relative;
import static io.dpft.core.dp.norms.PerExampleReference.squaredNorm;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A patch-embedding convolution through the linear rules, against {@link PerExampleReference}. */
class Conv2dNormRuleTest {
  private static final int B = 3;
  private static final long C = 2;
  private static final long O = 4;
  private static final long K = 2;
  private static final long H = 6;

  @Test
  void patchConvolution_normsAndClippedSums_matchPerExampleAutograd() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(5);
      Tensor w = torch.randn(O, C, K, K).set_requires_grad(true);
      Tensor bias = torch.randn(O).set_requires_grad(true);
      Tensor x = torch.randn(B, C, H, H);
      Tensor r = torch.randn(B, O, H / K, H / K);
      long[] k = {K, K};
      long[] one = {1, 1};
      long[] zero = {0, 0};
      Tensor z = conv(x, w, bias, k);
      Tensor g = PerExampleReference.grad(z.sin().mul(r).sum(), z)[0];
      Tensor[][] reference =
          PerExampleReference.gradients(
              B, i -> conv(x.narrow(0, i, 1), w, bias, k).sin().mul(r.narrow(0, i, 1)).sum(), w, bias);

      Tensor a = torch.im2col(x, k, one, zero, k).transpose(1, 2);
      Tensor gSeq = Conv2dNormRule.outputGradAsSequence(g);
      Tensor weightNorms;
      try (Grams grams = new Grams()) {
        weightNorms = LinearNormRule.weightSquaredNorms(a, gSeq, grams);
      }
      Tensor biasNorms =
          LinearNormRule.squaredRowNorms(LinearNormRule.perSampleBiasGradients(gSeq));
      for (int i = 0; i < B; i++) {
        double w2 = squaredNorm(reference[i][0]);
        double b2 = squaredNorm(reference[i][1]);
        assertThat(weightNorms.get(i).item_double()).isCloseTo(w2, relative(w2));
        assertThat(biasNorms.get(i).item_double()).isCloseTo(b2, relative(b2));
      }
      Tensor factors = torch.rand(B);
      Tensor weightSum = torch.zeros(O, C, K, K);
      LinearNormRule.addClippedWeightSum(weightSum.view(O, -1), a, gSeq, factors);
      assertThat(maxRelativeDiff(weightSum, PerExampleReference.clippedSum(reference, 0, factors)))
          .isLessThan(1e-5);
    }
  }

  private static Tensor conv(Tensor x, Tensor w, Tensor bias, long[] stride) {
    return torch.conv2d(x, w, new TensorOptional(bias), stride, new long[] {0, 0}, new long[] {1, 1}, 1);
  }
}
