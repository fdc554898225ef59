package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.relativeDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** oneDNN's linear against torch's BLAS {@code linear} (an independent GEMM implementation). */
class OneDnnLinearTest {
  private static final long IN = 48;
  private static final long OUT = 40;
  private static final double TOLERANCE = 1e-5;

  private static Tensor reference(Tensor a, Linear linear) {
    return torch.linear(a, linear.weight().tensor(),
        new TensorOptional(linear.bias().orElseThrow().tensor()));
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void forward_fusedActivationWithoutGrad_matchesBlasThenActivation(Activation activation) {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear((int) IN, (int) OUT,
        true); NoGradGuard noGrad = new NoGradGuard()) {
      linear.bias().orElseThrow().tensor().copy_(torch.randn(OUT));
      Tensor a = torch.randn(3, 7, IN).mul(new Scalar(20.0)); // pre-activations of order ±3
      try (OneDnnLinear oneDnn = new OneDnnLinear()) {
        assertThat(oneDnn.forward(a, linear.weight().tensor(), null, activation, true,
            Precision.FP32)).isNotNull();
      }
      Tensor fused = linear.forward(a, activation);
      assertThat(fused.shape()).containsExactly(3, 7, OUT);
      assertThat(relativeDiff(fused, activation.apply(reference(a, linear)))).isLessThan(TOLERANCE);
    }
  }

  /** The packed copy of W must follow in-place updates (an optimizer step between evaluations). */
  @Test
  void forward_withoutGradAfterWeightUpdate_usesNewWeight() {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear((int) IN, (int) OUT,
        true); NoGradGuard noGrad = new NoGradGuard()) {
      Tensor a = torch.randn(5, IN);
      linear.forward(a); // packs W
      linear.weight().tensor().add_(torch.randn(OUT, IN));
      Tensor other = torch.randn(2, 9, IN); // another row count than the one packed for
      assertThat(relativeDiff(linear.forward(other), reference(other, linear)))
          .isLessThan(TOLERANCE);
      assertThat(relativeDiff(linear.forward(a), reference(a, linear))).isLessThan(TOLERANCE);
    }
  }

  /**
   * W frozen (BiTFiT: only dL/da and dL/db) goes through the hooked oneDNN product
   * ({@link HookedBackward}); W trainable with its gradient from autograd (non-DP full
   * fine-tuning) is left to torch.linear. Either way the layer's output and gradients match BLAS.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void forward_withAutograd_matchesBlasOutputAndGradients(boolean weightTrainable) {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear((int) IN, (int) OUT,
        true)) {
      linear.weight().setTrainable(weightTrainable);
      Tensor w = linear.weight().tensor();
      Tensor b = linear.bias().orElseThrow().tensor();
      Tensor a = torch.randn(2, 300, IN);
      a.set_requires_grad(true);
      Tensor[] inputs = weightTrainable ? new Tensor[] {a, b, w} : new Tensor[] {a, b};
      try (OneDnnLinear oneDnn = new OneDnnLinear()) {
        assertThat(oneDnn.forward(a, w, b, null, true, Precision.FP32) == null)
            .isEqualTo(weightTrainable);
      }
      Tensor upstream = torch.randn(2, 300, OUT); // dL/dz of L = Σ z ∘ upstream
      Tensor ours = linear.forward(a);
      Tensor[] oursGrads = grads(ours.mul(upstream).sum(), inputs);
      Tensor expected = reference(a, linear);
      Tensor[] expectedGrads = grads(expected.mul(upstream).sum(), inputs);
      assertThat(relativeDiff(ours, expected)).isLessThan(TOLERANCE);
      for (int k = 0; k < inputs.length; k++) {
        assertThat(relativeDiff(oursGrads[k], expectedGrads[k])).as("gradient %d", k)
            .isLessThan(TOLERANCE);
      }
    }
  }

  /**
   * Frozen weights as in an attention block: one input feeds three frozen layers (Q, K, V) and a
   * residual path, behind an op of its own, and two backward passes run in one scope. Each layer's
   * share of dL/da must reach the input once, as torch.linear's would.
   */
  @Test
  void forward_frozenWeightsSharingAnInput_gradientsMatchBlas() {
    try (PointerScope scope = new PointerScope()) {
      Linear[] layers = new Linear[3];
      for (int k = 0; k < layers.length; k++) {
        layers[k] = frozenLinear();
        layers[k].bias().orElseThrow().tensor().detach().copy_(torch.randn(OUT));
      }
      Tensor x = torch.randn(3, 17, IN); // 51 rows: at least d_out, so oneDNN takes the call
      x.set_requires_grad(true);
      Tensor[] upstream = {torch.randn(3, 17, OUT), torch.randn(3, 17, OUT),
          torch.randn(3, 17, OUT)};
      for (int pass = 0; pass < 2; pass++) {
        Tensor[] inputs = {x, layers[0].bias().orElseThrow().tensor(),
            layers[2].bias().orElseThrow().tensor()};
        Tensor[] ours = grads(sharedInputLoss(x, upstream, layers, false), inputs);
        Tensor[] expected = grads(sharedInputLoss(x, upstream, layers, true), inputs);
        for (int k = 0; k < inputs.length; k++) {
          assertThat(relativeDiff(ours[k], expected[k])).as("pass %d, gradient %d", pass, k)
              .isLessThan(TOLERANCE);
        }
      }
      for (Linear layer : layers) {
        layer.close();
      }
    }
  }

  private static Tensor sharedInputLoss(Tensor x, Tensor[] upstream, Linear[] layers,
      boolean blas) {
    Tensor a = x.mul(new Scalar(1.5));
    Tensor loss = a.pow(new Scalar(2)).sum();
    for (int k = 0; k < layers.length; k++) {
      Tensor z = blas ? reference(a, layers[k]) : layers[k].forward(a);
      loss = loss.add(z.mul(upstream[k]).sum());
    }
    return loss;
  }

  /**
   * A trainable W whose gradient autograd will not be asked for (a DP step's taped call): the
   * output and dL/da, dL/db still match BLAS, and autograd has no path to W.
   */
  @Test
  void forward_trainableWeightWithoutWeightGradient_differentiatesInputAndBiasOnly() {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear((int) IN, (int) OUT,
        true); OneDnnLinear oneDnn = new OneDnnLinear()) {
      Tensor w = linear.weight().tensor();
      Tensor b = linear.bias().orElseThrow().tensor();
      Tensor a = torch.randn(4, 12, IN);
      a.set_requires_grad(true);
      Tensor upstream = torch.randn(4, 12, OUT);
      Tensor ours = oneDnn.forward(a, w, b, null, false, Precision.FP32);
      Tensor[] oursGrads = torch.grad(new TensorVector(ours.mul(upstream).sum()),
          new TensorVector(a, b, w), new TensorVector(), new BoolOptional(false), false, true).get();
      Tensor expected = reference(a, linear);
      Tensor[] expectedGrads = grads(expected.mul(upstream).sum(), a, b);
      assertThat(relativeDiff(ours, expected)).isLessThan(TOLERANCE);
      assertThat(relativeDiff(oursGrads[0], expectedGrads[0])).isLessThan(TOLERANCE);
      assertThat(relativeDiff(oursGrads[1], expectedGrads[1])).isLessThan(TOLERANCE);
      assertThat(oursGrads[2].defined()).isFalse();
    }
  }

  /**
   * The DP engine's case of a call with no trainable input: W trainable but not differentiated, no
   * bias, an input without grad. The output is a leaf whose gradient backward still delivers.
   */
  @Test
  void forward_noGradientPathButTrainableWeight_outputIsALeafThatGetsItsGradient() {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear((int) IN, (int) OUT,
        false); OneDnnLinear oneDnn = new OneDnnLinear()) {
      Tensor a = torch.randn(64, IN);
      Tensor z = oneDnn.forward(a, linear.weight().tensor(), null, null, false, Precision.FP32);
      assertThat(z.requires_grad()).isTrue();
      assertThat(z.is_leaf()).isTrue();
      assertThat(relativeDiff(z, torch.linear(a, linear.weight().tensor(), new TensorOptional())))
          .isLessThan(TOLERANCE);
      Tensor upstream = torch.randn(64, OUT);
      assertThat(relativeDiff(grads(z.mul(upstream).sum(), z)[0], upstream)).isLessThan(TOLERANCE);
    }
  }

  /** An in-place change of W between forward and backward fails backward, naming the cause. */
  @Test
  void backward_afterWeightChangedInPlace_fails() {
    try (PointerScope scope = new PointerScope(); Linear linear = frozenLinear()) {
      Tensor a = differentiableInput(64);
      Tensor loss = linear.forward(a).sum();
      linear.weight().tensor().add_(new Scalar(1.0));
      assertThatThrownBy(() -> grads(loss, a)).hasMessageContaining("changed in place");
    }
  }

  /**
   * With {@code create_graph} the input gradient is itself differentiable: second derivatives of
   * L = Σ z² through a frozen W match BLAS's.
   */
  @Test
  void backward_withCreateGraph_givesSecondDerivatives() {
    try (PointerScope scope = new PointerScope(); Linear linear = frozenLinear()) {
      Tensor a = differentiableInput(64);
      Tensor probe = torch.randn(64, IN);
      Tensor[] ours = secondDerivative(linear.forward(a), a, probe);
      Tensor[] expected = secondDerivative(reference(a, linear), a, probe);
      assertThat(relativeDiff(ours[0], expected[0])).isLessThan(TOLERANCE);
      assertThat(relativeDiff(ours[1], expected[1])).isLessThan(TOLERANCE);
    }
  }

  /** dL/da and d⟨dL/da, probe⟩/da for L = Σ z². */
  private static Tensor[] secondDerivative(Tensor z, Tensor a, Tensor probe) {
    Tensor first = torch.grad(new TensorVector(z.pow(new Scalar(2)).sum()), new TensorVector(a),
        new TensorVector(), new BoolOptional(true), true, false).get()[0];
    return new Tensor[] {first, grads(first.mul(probe).sum(), a)[0]};
  }

  /**
   * Without a scope to own its hooks, or for a weight with more rows than the input (a vocabulary
   * head), the path without weight gradient declines and torch.linear runs instead.
   */
  @Test
  void forward_frozenWeightWithoutScopeOrWithFewRows_declines() {
    try (Linear linear = frozenLinear()) {
      Tensor a = differentiableInput(64);
      try (OneDnnLinear oneDnn = new OneDnnLinear()) {
        assertThat(oneDnn.forward(a, linear.weight().tensor(),
            linear.bias().orElseThrow().tensor(), null, true, Precision.FP32)).isNull();
        try (PointerScope scope = new PointerScope()) {
          Tensor few = differentiableInput(OUT - 1);
          assertThat(oneDnn.forward(few, linear.weight().tensor(),
              linear.bias().orElseThrow().tensor(), null, true, Precision.FP32)).isNull();
          assertThat(oneDnn.forward(a, linear.weight().tensor(),
              linear.bias().orElseThrow().tensor(), null, true, Precision.FP32)).isNotNull();
        }
      }
      a.close();
    }
  }

  /** A layer with a frozen weight and a trainable bias, as in BiTFiT. */
  private static Linear frozenLinear() {
    Linear linear = new Linear((int) IN, (int) OUT, true);
    linear.weight().setTrainable(false);
    return linear;
  }

  /** {@code rows} random inputs that autograd differentiates. */
  private static Tensor differentiableInput(long rows) {
    Tensor a = torch.randn(rows, IN);
    a.set_requires_grad(true);
    return a;
  }

  private static Tensor[] grads(Tensor loss, Tensor... inputs) {
    return torch.grad(new TensorVector(loss), new TensorVector(inputs), new TensorVector(),
        new BoolOptional(false), false, false).get();
  }
}
