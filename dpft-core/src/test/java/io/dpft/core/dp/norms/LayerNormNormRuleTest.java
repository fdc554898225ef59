package io.dpft.core.dp.norms;

import static io.dpft.core.dp.norms.PerExampleReference.maxRelativeDiff;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** LayerNorm's per-sample γ and β gradients against {@link PerExampleReference}. */
class LayerNormNormRuleTest {
  private static final int B = 3;
  private static final long T = 5;
  private static final long D = 6;
  private static final double EPS = 1e-5;

  @Test
  void perSampleScaleAndShiftGradients_matchPerExampleAutograd() {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(3);
      Tensor gamma = torch.randn(D).set_requires_grad(true);
      Tensor beta = torch.randn(D).set_requires_grad(true);
      Tensor x = torch.randn(B, T, D);
      Tensor r = torch.randn(B, T, D);
      Tensor xHat = torch.layer_norm(x, new long[] {D}, new TensorOptional(), new TensorOptional(), EPS, false);
      Tensor z = xHat.mul(gamma).add(beta);
      Tensor g = PerExampleReference.grad(z.sin().mul(r).sum(), z)[0];
      Tensor[][] reference =
          PerExampleReference.gradients(
              B,
              i ->
                  torch.layer_norm(
                          x.narrow(0, i, 1),
                          new long[] {D},
                          new TensorOptional(gamma),
                          new TensorOptional(beta),
                          EPS,
                          false)
                      .sin()
                      .mul(r.narrow(0, i, 1))
                      .sum(),
              gamma,
              beta);
      Tensor perSampleGamma = LayerNormNormRule.perSampleWeightGradients(xHat, g);
      Tensor perSampleBeta = LinearNormRule.perSampleBiasGradients(g);
      for (int i = 0; i < B; i++) {
        assertThat(maxRelativeDiff(perSampleGamma.get(i), reference[i][0])).isLessThan(1e-5);
        assertThat(maxRelativeDiff(perSampleBeta.get(i), reference[i][1])).isLessThan(1e-5);
      }
    }
  }
}
