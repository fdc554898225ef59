package io.dpft.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The reversible stack against the same couplings run by plain autograd with every activation
 * kept: recomputed block inputs, gradients, and DP-SGD's clipped sums against a per-example
 * reference, on three post-norm blocks with strong random weights.
 */
class ReversibleStackTest {
  private static final int B = 4;
  private static final int T = 5;
  private static final int D = 8;
  private static final int BLOCKS = 3;
  private static final double LAMBDA = 0.1;
  /** Bounds of the measured float error (see docs/ARCHITECTURE.md). */
  private static final double RECOMPUTATION_BOUND = 1e-4;
  private static final double GRADIENT_BOUND = 1e-4;

  @Test
  void recomputedInputs_matchTheStoredOnes() {
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      ReversibleStack stack = stack();
      List<Tensor[]> states = new ArrayList<>();
      Tensor h = torch.randn(B, T, D);
      states.add(new Tensor[] {h, h});
      for (int i = 0; i < BLOCKS; i++) {
        Tensor[] s = states.get(i);
        states.add(stack.couple(i, s[0], s[1], null));
      }
      double worst = 0;
      Tensor[] s = states.get(BLOCKS);
      for (int i = BLOCKS - 1; i >= 0; i--) {
        s = stack.invert(i, s[0], s[1], null);
        worst = Math.max(worst, Math.max(maxAbsDiff(s[0], states.get(i)[0]),
            maxAbsDiff(s[1], states.get(i)[1])));
      }
      System.out.printf("reversible stack: max |recomputed − stored| block input = %.3g%n", worst);
      assertThat(worst).isLessThan(RECOMPUTATION_BOUND);
    }
  }

  /** The non-private step: the stack's backward against autograd through the kept activations. */
  @Test
  void gradients_matchAutogradWithTheActivationsKept() {
    try (PointerScope scope = new PointerScope()) {
      ReversibleStack stack = stack();
      Tensor h = torch.randn(B, T, D);
      h.requires_grad_(true);
      Tensor w = torch.randn(B, T, D);
      List<Tensor> xs = new ArrayList<>();
      xs.add(h);
      stack.parameters().values().forEach(p -> xs.add(p.tensor()));
      Tensor[] actual = grad(loss(stack.forward(h, null), w), xs);
      Tensor[] expected = grad(loss(kept(stack, h), w), xs);
      double worst = 0;
      for (int k = 0; k < xs.size(); k++) {
        double scale = Math.max(1, expected[k].abs().max().item_double());
        worst = Math.max(worst, maxAbsDiff(actual[k], expected[k]) / scale);
        assertThat(expected[k].abs().max().item_double()).isGreaterThan(0);
      }
      System.out.printf("reversible stack: max relative gradient difference = %.3g%n", worst);
      assertThat(worst).isLessThan(GRADIENT_BOUND);
    }
  }

  /** DP on, σ = 0: the engine's clipped sum against batch-of-one autograd with activations kept. */
  @Test
  void clippedSums_matchThePerExampleReference() {
    try (PointerScope scope = new PointerScope()) {
      ReversibleStack stack = stack();
      Tensor h = torch.randn(B, T, D);
      Tensor w = torch.randn(B, T, D);
      double threshold = 0.5;
      List<Tensor> actual;
      try (DpSgdEngine engine = new DpSgdEngine(stack,
          new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(threshold)),
          NormRules.standard())) {
        try (Tape tape = engine.startTape()) {
          engine.accumulate(tape, loss(stack.forward(h, null), w));
        }
        actual = engine.privateGradients(1.0, null);
      }
      List<Tensor> params = new ArrayList<>();
      stack.parameters().values().forEach(p -> params.add(p.tensor()));
      List<Tensor> expected = new ArrayList<>();
      params.forEach(p -> expected.add(torch.zeros_like(p)));
      int clipped = 0;
      for (int i = 0; i < B; i++) {
        Tensor[] g = grad(loss(kept(stack, h.narrow(0, i, 1)), w.narrow(0, i, 1)), params);
        double squares = 0;
        for (Tensor t : g) {
          squares += t.square().sum().item_double();
        }
        double factor = Math.min(1, threshold / Math.sqrt(squares));
        clipped += factor < 1 ? 1 : 0;
        for (int k = 0; k < g.length; k++) {
          expected.set(k, expected.get(k).add(g[k].mul(new Scalar(factor))));
        }
      }
      assertThat(clipped).isPositive();
      for (int k = 0; k < params.size(); k++) {
        double scale = Math.max(1e-3, expected.get(k).abs().max().item_double());
        assertThat(maxAbsDiff(actual.get(k), expected.get(k)) / scale).isLessThan(1e-5);
      }
    }
  }

  @Test
  void oneBlock_atTheStart_isTheBlock() {
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      TransformerBlock block = blocks().get(0);
      ReversibleStack stack = new ReversibleStack(List.of(block), 3, LAMBDA);
      Tensor h = torch.randn(B, T, D);
      assertThat(maxAbsDiff(stack.forward(h, null), block.forward(h, null))).isZero();
    }
  }

  /** The couplings with autograd on: every activation kept, nothing recomputed. */
  private static Tensor kept(ReversibleStack stack, Tensor h) {
    Tensor[] s = {h, h};
    for (int i = 0; i < BLOCKS; i++) {
      s = stack.couple(i, s[0], s[1], null);
    }
    return stack.output(s);
  }

  /** Σ_i Σ tanh(z_i)·w_i: a per-sample loss summed over the batch. */
  private static Tensor loss(Tensor z, Tensor w) {
    return torch.tanh(z).mul(w).sum();
  }

  /** Three frozen post-norm blocks with weights ~ N(0, 0.5²) and biases, adapters moved off zero. */
  private static ReversibleStack stack() {
    ReversibleStack stack = new ReversibleStack(blocks(), 3, LAMBDA);
    stack.parameters().forEach((name, p) ->
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.3))));
    return stack;
  }

  private static List<TransformerBlock> blocks() {
    torch.manual_seed(11);
    TransformerBlock.Config config = new TransformerBlock.Config(D, 2, 16, Activation.GELU, 0, 0,
        1e-12, NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN);
    List<TransformerBlock> blocks = new ArrayList<>();
    for (int i = 0; i < BLOCKS; i++) {
      TransformerBlock block = new TransformerBlock(config, TransformerBlockTest.BERT);
      block.parameters().values().forEach(p -> {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.5)));
        p.setTrainable(false);
      });
      blocks.add(block);
    }
    return blocks;
  }

  private static Tensor[] grad(Tensor loss, List<Tensor> xs) {
    return torch.grad(new TensorVector(loss), new TensorVector(xs.toArray(Tensor[]::new)),
        new TensorVector(), new BoolOptional(false), false, false).get();
  }

  private static double maxAbsDiff(Tensor a, Tensor b) {
    return a.sub(b).abs().max().item_double();
  }
}
