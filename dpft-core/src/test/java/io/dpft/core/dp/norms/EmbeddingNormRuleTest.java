package io.dpft.core.dp.norms;

import static io.dpft.core.dp.norms.PerExampleReference.maxRelativeDiff;
import static io.dpft.core.dp.norms.PerExampleReference.relative;
import static io.dpft.core.dp.norms.PerExampleReference.squaredNorm;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Embedding norms against {@link PerExampleReference}. Token ids repeat within a sample (a vocab
 * of 4 over 9 positions), so a rule without the token-equality mask gives different norms.
 */
class EmbeddingNormRuleTest {
  private static final int B = 4;
  private static final long T = 9;
  private static final long VOCAB = 4;
  private static final long D = 3;

  @BeforeAll
  static void seed() {
    torch.manual_seed(11);
  }

  @Test
  void norms_andClippedSums_matchPerExampleAutograd() {
    try (PointerScope scope = new PointerScope()) {
      Tensor table = torch.randn(VOCAB, D).set_requires_grad(true);
      Tensor ids = torch.randint(VOCAB, new long[] {B, T});
      Tensor r = torch.randn(B, T, D);
      Tensor z = torch.embedding(table, ids);
      Tensor g = PerExampleReference.grad(z.tanh().mul(r).sum(), z)[0];
      Tensor[][] reference =
          PerExampleReference.gradients(
              B,
              i -> torch.embedding(table, ids.narrow(0, i, 1)).tanh().mul(r.narrow(0, i, 1)).sum(),
              table);

      Tensor norms;
      try (Grams grams = new Grams()) {
        norms = new OuterProducts(ids, true, g).squaredNorms(grams);
      }
      Tensor unmasked = LinearNormRule.squaredRowNorms(LinearNormRule.perSampleBiasGradients(g));
      boolean maskMatters = false;
      for (int i = 0; i < B; i++) {
        double expected = squaredNorm(reference[i][0]);
        assertThat(norms.get(i).item_double()).isCloseTo(expected, relative(expected));
        maskMatters |= Math.abs(unmasked.get(i).item_double() - expected) > 1e-3;
      }
      assertThat(maskMatters).as("the test case must distinguish the mask").isTrue();

      Tensor factors = torch.rand(B);
      assertThat(
              maxRelativeDiff(
                  EmbeddingNormRule.clippedSum(ids, g, factors, VOCAB),
                  PerExampleReference.clippedSum(reference, 0, factors)))
          .isLessThan(1e-5);
    }
  }
}
