package io.dpft.core.dp.norms;

import static io.dpft.core.dp.norms.PerExampleReference.maxRelativeDiff;
import static io.dpft.core.dp.norms.PerExampleReference.relative;
import static io.dpft.core.dp.norms.PerExampleReference.squaredNorm;
import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.nn.WeightLayout;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Linear-layer norms and clipped sums against {@link PerExampleReference}. */
class LinearNormRuleTest {
  private static final int B = 5;
  private static final long T = 6;
  private static final long D_IN = 4;
  private static final long D_OUT = 3;

  @BeforeAll
  static void seed() {
    torch.manual_seed(7);
  }

  @Test
  void biasAndWeightNorms_matchPerExampleAutograd_bothNormPaths() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Case c = new Case(B, T, D_IN);
      Tensor g = c.outputGrad();
      Tensor[][] reference = c.perExampleGradients();
      Tensor biasNorms =
          LinearNormRule.squaredRowNorms(LinearNormRule.perSampleBiasGradients(g));
      Tensor ghost = LinearNormRule.ghostSquaredNorms(c.a, g, grams);
      Tensor instantiated = LinearNormRule.instantiatedSquaredNorms(c.a, g);
      for (int i = 0; i < B; i++) {
        double w2 = squaredNorm(reference[i][0]);
        double b2 = squaredNorm(reference[i][1]);
        assertThat(biasNorms.get(i).item_double()).isCloseTo(b2, relative(b2));
        assertThat(ghost.get(i).item_double()).isCloseTo(w2, relative(w2));
        assertThat(instantiated.get(i).item_double()).isCloseTo(w2, relative(w2));
      }
    }
  }

  @Test
  void clippedSums_matchPerExampleClipAndSum() {
    try (PointerScope scope = new PointerScope()) {
      Case c = new Case(B, T, D_IN);
      Tensor g = c.outputGrad();
      Tensor[][] reference = c.perExampleGradients();
      Tensor factors = torch.rand(B);
      Tensor weightSum = torch.zeros(D_OUT, D_IN);
      LinearNormRule.addClippedWeightSum(weightSum, c.a, g, factors);
      Tensor inOut = torch.zeros(D_IN, D_OUT); // an IN_OUT accumulator, added to through a view
      LinearNormRule.addClippedWeightSum(inOut.t(), c.a, g, factors);
      Tensor biasSum =
          LinearNormRule.clippedSum(LinearNormRule.perSampleBiasGradients(g), factors);
      Tensor expected = PerExampleReference.clippedSum(reference, 0, factors);
      assertThat(maxRelativeDiff(weightSum, expected)).isLessThan(1e-5);
      assertThat(maxRelativeDiff(inOut.t(), expected)).isLessThan(1e-5);
      assertThat(maxRelativeDiff(biasSum, PerExampleReference.clippedSum(reference, 1, factors)))
          .isLessThan(1e-5);
    }
  }

  @Test
  void withoutPositions_weightNormIsOuterProductNorm() {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Case c = new Case(B, D_IN);
      Tensor norms = LinearNormRule.weightSquaredNorms(c.a, c.outputGrad(), grams);
      Tensor[][] reference = c.perExampleGradients();
      for (int i = 0; i < B; i++) {
        double w2 = squaredNorm(reference[i][0]);
        assertThat(norms.get(i).item_double()).isCloseTo(w2, relative(w2));
      }
    }
  }

  @Test
  void mixedGhostNorm_picksTheCheaperPath() {
    assertThat(LinearNormRule.useGhostNorm(128, 384, 384)).isTrue(); // 98,304 < 294,912
    assertThat(LinearNormRule.useGhostNorm(256, 384, 384)).isTrue(); // 196,608 < 294,912
    assertThat(LinearNormRule.useGhostNorm(512, 384, 384)).isFalse(); // 393,216 > 294,912
  }

  @ParameterizedTest
  @EnumSource(WeightLayout.class)
  void instantiatedWeightGradients_matchPerExampleAutograd_normsAndClippedSum(WeightLayout layout) {
    try (PointerScope scope = new PointerScope(); Grams grams = new Grams()) {
      Case c = new Case(B, T, D_IN);
      Tensor[][] reference = c.perExampleGradients();
      Tensor perSample = LinearNormRule.perSampleWeightGradients(c.a, c.outputGrad(), layout);
      PerSampleGradient gradient = PerSampleGradient.instantiated(null, perSample);
      Tensor norms = gradient.squaredNorms(grams);
      for (int i = 0; i < B; i++) {
        Tensor expected = layout == WeightLayout.OUT_IN ? reference[i][0] : reference[i][0].t();
        assertThat(maxRelativeDiff(perSample.get(i), expected)).isLessThan(1e-5);
        double w2 = squaredNorm(reference[i][0]);
        assertThat(norms.get(i).item_double()).isCloseTo(w2, relative(w2));
      }
      Tensor factors = torch.rand(B);
      Tensor expectedSum = PerExampleReference.clippedSum(reference, 0, factors);
      assertThat(maxRelativeDiff(gradient.clippedSum(factors),
              layout == WeightLayout.OUT_IN ? expectedSum : expectedSum.t()))
          .isLessThan(1e-5);
    }
  }

  @Test
  void instantiation_takenWhereCheaperThanBookKeepingAndNoLargerThanInputAndGradient() {
    // 384×384 (attention): book-keeping is cheaper at T = 128, instantiation at T = 256
    assertThat(LinearNormRule.instantiates(128, 384, 384)).isFalse();
    assertThat(LinearNormRule.instantiates(256, 384, 384)).isTrue();
    // 384×1536 (feed-forward): the per-sample gradient outgrows a and g below T = 308
    assertThat(LinearNormRule.instantiates(256, 384, 1536)).isFalse();
    assertThat(LinearNormRule.instantiates(512, 1536, 384)).isTrue();
    // without positions (a pooled head) book-keeping is one outer product per sample: cheaper
    assertThat(LinearNormRule.instantiates(1, 384, 2)).isFalse();
  }

  /** z = a·Wᵀ + b with the nonlinear per-sample loss ℓ_i = Σ sin(z_i)∘r_i. */
  private static final class Case {
    final Tensor a;
    final Tensor r;
    final Tensor w = torch.randn(D_OUT, D_IN).set_requires_grad(true);
    final Tensor b = torch.randn(D_OUT).set_requires_grad(true);

    Case(long... inputShape) {
      a = torch.randn(inputShape);
      long[] outShape = inputShape.clone();
      outShape[outShape.length - 1] = D_OUT;
      r = torch.randn(outShape);
    }

    Tensor loss(Tensor input, Tensor weights) {
      return torch.matmul(input, w.t()).add(b).sin().mul(weights).sum();
    }

    Tensor outputGrad() {
      Tensor z = torch.matmul(a, w.t()).add(b);
      return PerExampleReference.grad(z.sin().mul(r).sum(), z)[0];
    }

    Tensor[][] perExampleGradients() {
      return PerExampleReference.gradients(
          B, i -> loss(a.narrow(0, i, 1), r.narrow(0, i, 1)), w, b);
    }
  }
}
