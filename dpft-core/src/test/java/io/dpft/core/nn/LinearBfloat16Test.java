package io.dpft.core.nn;

import static io.dpft.core.nn.PerExampleReference.grad;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.relativeDiff;
import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Linear} under {@link Precision#BF16} against float32 {@code torch.linear} and autograd.
 * bfloat16 keeps 8 significant bits (a relative rounding of at most 2⁻⁹ ≈ 0.002 per operand);
 * with float32 accumulation a product of 64 terms is off by about that relative to its largest
 * entries, so {@link #BF16_TOLERANCE} (relative to the largest entry) leaves a factor of 5. The
 * lower bound {@link #ROUNDED} shows that bfloat16 was used at all (float32 agrees to ~1e-6).
 */
class LinearBfloat16Test {
  private static final int IN = 64;
  private static final int OUT = 40;
  private static final double BF16_TOLERANCE = 1e-2;
  private static final double ROUNDED = 1e-4;

  private static Linear frozen(WeightLayout layout) {
    Linear linear = new Linear(IN, OUT, true, layout);
    linear.weight().setTrainable(false);
    // W ~ N(0, 1/d_in): outputs of order 1, where a GELU or tanh is neither linear nor flat
    linear.weight().tensor().detach().copy_(
        torch.randn(linear.weight().shape()).mul(new Scalar(1 / Math.sqrt(IN))));
    linear.bias().orElseThrow().tensor().detach().copy_(torch.randn(OUT));
    linear.setPrecision(Precision.BF16);
    return linear;
  }

  /** float32 {@code a Wᵀ + b} for either layout. */
  private static Tensor reference(Tensor a, Linear linear) {
    Tensor w = linear.weight().tensor();
    return torch.linear(a, linear.layout() == WeightLayout.OUT_IN ? w : w.t(),
        new TensorOptional(linear.bias().orElseThrow().tensor()));
  }

  private static void assertBfloat16Close(Tensor actual, Tensor expected, String what) {
    assertThat(actual.scalar_type().intern()).as(what).isEqualTo(torch.ScalarType.Float);
    assertThat(relativeDiff(actual, expected)).as(what)
        .isLessThan(BF16_TOLERANCE).isGreaterThan(ROUNDED);
  }

  /**
   * The product and the input gradient of a frozen weight (BiTFiT's case), kept bfloat16 copies
   * of W and Wᵀ, in both weight layouts (GPT-2's Conv1D stores {@code [d_in, d_out]}); the bias
   * gradient is the float32 sum of the output gradient.
   */
  @ParameterizedTest
  @EnumSource(WeightLayout.class)
  void frozenWeight_outputAndGradients_matchFloat32WithinBfloat16Rounding(WeightLayout layout) {
    try (PointerScope scope = new PointerScope(); Linear linear = frozen(layout)) {
      Tensor b = linear.bias().orElseThrow().tensor();
      Tensor a = torch.randn(3, 50, IN);
      a.set_requires_grad(true);
      Tensor upstream = torch.randn(3, 50, OUT);
      for (int pass = 0; pass < 2; pass++) { // the second pass reuses the kept copies
        Tensor ours = linear.forward(a);
        Tensor expected = reference(a, linear);
        assertBfloat16Close(ours, expected, "output");
        Tensor[] oursGrads = grad(ours.mul(upstream).sum(), a, b);
        Tensor[] expectedGrads = grad(expected.mul(upstream).sum(), a, b);
        assertBfloat16Close(oursGrads[0], expectedGrads[0], "dL/da");
        assertThat(relativeDiff(oursGrads[1], expectedGrads[1])).as("dL/db").isLessThan(1e-5);
      }
    }
  }

  /**
   * Without autograd (evaluation), with the activation applied in float32 after the bias. The
   * activations change by at most 1.13 times (GELU's steepest slope) what the product changes, so
   * their error is measured against the product's scale.
   */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void frozenWeightWithoutGrad_activationAfterFloat32Bias(Activation activation) {
    try (PointerScope scope = new PointerScope(); Linear linear = frozen(WeightLayout.OUT_IN);
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor a = torch.randn(2, 9, IN);
      Tensor z = reference(a, linear);
      Tensor ours = linear.forward(a, activation);
      assertThat(ours.scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
      double scale = z.abs().max().item_double();
      assertThat(maxAbsDiff(ours, activation.apply(z)) / scale).isLessThan(BF16_TOLERANCE);
    }
  }

  /**
   * The bfloat16 copy follows W: a frozen weight changed in place (loaded again, merged LoRA)
   * is multiplied as it is now.
   */
  @Test
  void frozenWeightChangedInPlace_copyFollows() {
    try (PointerScope scope = new PointerScope(); Linear linear = frozen(WeightLayout.OUT_IN);
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor a = torch.randn(64, IN);
      linear.forward(a);
      linear.weight().tensor().mul_(new Scalar(-3.0));
      assertBfloat16Close(linear.forward(a), reference(a, linear), "after the change");
    }
  }

  /**
   * A call without a scope for the backward hooks, and a head with more outputs than input rows
   * (a vocabulary), are differentiated by autograd in bfloat16 instead: same results.
   */
  @Test
  void frozenWeightWithoutScopeOrWideHead_autogradPath_matchesFloat32() {
    try (Linear linear = frozen(WeightLayout.OUT_IN)) {
      Tensor b = linear.bias().orElseThrow().tensor();
      Tensor a = torch.randn(64, IN);
      a.set_requires_grad(true);
      Tensor upstream = torch.randn(64, OUT);
      Tensor[] ours = withGradients(linear.forward(a), upstream, a, b);
      Tensor[] expected = withGradients(reference(a, linear), upstream, a, b);
      try (PointerScope scope = new PointerScope()) {
        assertBfloat16Close(ours[0], expected[0], "output");
        assertBfloat16Close(ours[1], expected[1], "dL/da");
        assertThat(relativeDiff(ours[2], expected[2])).as("dL/db").isLessThan(1e-5);
        Tensor few = torch.randn(OUT - 1, IN); // fewer rows than W has: a wide head
        few.set_requires_grad(true);
        Tensor fewUpstream = upstream.narrow(0, 0, OUT - 1);
        Tensor[] wideOurs = withGradients(linear.forward(few), fewUpstream, few, b);
        Tensor[] wideExpected = withGradients(reference(few, linear), fewUpstream, few, b);
        assertBfloat16Close(wideOurs[0], wideExpected[0], "wide head output");
        assertBfloat16Close(wideOurs[1], wideExpected[1], "wide head dL/da");
      }
      for (Tensor t : new Tensor[] {a, upstream, ours[0], ours[1], ours[2], expected[0],
          expected[1], expected[2]}) {
        t.close();
      }
    }
  }

  /** {z, dL/dx, dL/db} for L = Σ z ∘ upstream. */
  private static Tensor[] withGradients(Tensor z, Tensor upstream, Tensor x, Tensor b) {
    Tensor[] g = grad(z.mul(upstream).sum(), x, b);
    return new Tensor[] {z.detach(), g[0], g[1]};
  }

  /**
   * A trainable weight multiplies in bfloat16 too, from its float32 value, against float32
   * {@code torch.linear} and autograd. Non-private training (autograd forms dL/dW): the output,
   * dL/da and dL/dW match float32 within bfloat16 rounding, and dL/dW reaches W as float32. Under
   * a tape (a DP step): the output and dL/da do. (That a DP step's per-sample gradients stay
   * float32 is {@code Bfloat16DpTest}'s.)
   */
  @Test
  void trainableWeight_bfloat16Products_float32Gradients() {
    try (PointerScope scope = new PointerScope();
        Linear linear = new Linear(IN, OUT, true)) {
      Tensor w = linear.weight().tensor();
      w.detach().copy_(torch.randn(OUT, IN).mul(new Scalar(1 / Math.sqrt(IN))));
      Tensor a = torch.randn(4, 16, IN);
      a.set_requires_grad(true);
      Tensor upstream = torch.randn(4, 16, OUT);
      Tensor expected = torch.linear(a, w, new TensorOptional(linear.bias().orElseThrow().tensor()));
      Tensor[] expectedGrads = grad(expected.mul(upstream).sum(), a, w);
      linear.setPrecision(Precision.BF16);
      Tensor bf16 = linear.forward(a);
      Tensor[] bf16Grads = grad(bf16.mul(upstream).sum(), a, w);
      assertBfloat16Close(bf16, expected, "output");
      assertBfloat16Close(bf16Grads[0], expectedGrads[0], "dL/da");
      assertBfloat16Close(bf16Grads[1], expectedGrads[1], "dL/dW");
      try (Tape tape = Tape.start()) {
        Tensor taped = linear.forward(a);
        assertThat(tape.entries()).hasSize(1);
        assertBfloat16Close(taped, expected, "taped output");
        assertBfloat16Close(grad(taped.mul(upstream).sum(), a)[0], expectedGrads[0], "taped dL/da");
      }
    }
  }
}
