package io.dpft.core.nn;

import java.util.Arrays;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Affine map {@code z = a Wᵀ + b} over the last dimension: {@code (B, ..., d_in) -> (B, ..., d_out)}.
 *
 * <p>Per sample, the weight gradient is {@code Σ_t g_{i,t} ⊗ a_{i,t}} and the bias gradient
 * {@code Σ_t g_{i,t}}, with {@code g = dL/dz} (Goodfellow, "Efficient Per-Example Gradient
 * Computations", 2015). The tape records {@code a} only while {@code W} is trainable.
 */
public class Linear extends DpLayer {
  private final Parameter weight;
  private final int inFeatures;
  private final int outFeatures;
  private final WeightLayout layout;
  private final OneDnnLinear oneDnn = new OneDnnLinear();

  /** A torch-layout ({@link WeightLayout#OUT_IN}) layer; W ~ N(0, 0.02²), b = 0. */
  public Linear(int inFeatures, int outFeatures, boolean bias) {
    this(inFeatures, outFeatures, bias, WeightLayout.OUT_IN);
  }

  /** A layer whose weight is stored in {@code layout}; W ~ N(0, 0.02²), b = 0. */
  public Linear(int inFeatures, int outFeatures, boolean bias, WeightLayout layout) {
    this(Parameter.normal(ParameterKind.WEIGHT, Init.STD, shape(inFeatures, outFeatures, layout)),
        bias ? Parameter.filled(ParameterKind.BIAS, 0, outFeatures) : null, layout);
  }

  /**
   * A layer over existing parameters. Passing another layer's parameter ties the two: GPT-2's
   * {@code lm_head} uses the token embedding table {@code wte} as its {@link WeightLayout#OUT_IN}
   * weight, and the DP engine sums the per-sample gradients of both uses.
   *
   * @param weight {@code [d_out, d_in]} or {@code [d_in, d_out]} as {@code layout} says
   * @param bias {@code [d_out]}, or null
   */
  public Linear(Parameter weight, Parameter bias, WeightLayout layout) {
    super(weight, bias);
    long[] w = weight.shape();
    if (w.length != 2) {
      throw new IllegalArgumentException("a Linear weight must be 2-D, got shape "
          + Arrays.toString(w));
    }
    this.weight = weight;
    this.layout = layout;
    this.outFeatures = Math.toIntExact(layout == WeightLayout.OUT_IN ? w[0] : w[1]);
    this.inFeatures = Math.toIntExact(layout == WeightLayout.OUT_IN ? w[1] : w[0]);
    if (bias != null && !Arrays.equals(bias.shape(), new long[] {outFeatures})) {
      throw new IllegalArgumentException("bias must have shape [" + outFeatures + "], got "
          + Arrays.toString(bias.shape()));
    }
  }

  private static long[] shape(int in, int out, WeightLayout layout) {
    Init.positive("inFeatures", in);
    Init.positive("outFeatures", out);
    return layout == WeightLayout.OUT_IN ? new long[] {out, in} : new long[] {in, out};
  }

  /**
   * {@code (B, ..., d_in) -> (B, ..., d_out)}. Run backward before the {@code PointerScope} that
   * encloses the forward pass closes (as a training step does): with a frozen weight, or under a
   * {@link Tape}, backward calls back into hooks that scope owns.
   */
  public Tensor forward(Tensor a) {
    Tape tape = recordingTape();
    return record(tape, affine(a, null, tape == null), a);
  }

  /**
   * {@code activation(a Wᵀ + b)}; one fused oneDNN call when no tape records this layer and no
   * gradient flows through it (inference), else the activation applied to {@link #forward(Tensor)},
   * which a tape may form again from {@code a Wᵀ + b} rather than keep ({@link Tape#recomputable}).
   */
  public Tensor forward(Tensor a, Activation activation) {
    if (recordingTape() == null) {
      Tensor fused = affine(a, activation, true);
      if (fused != null) {
        return fused;
      }
    }
    Tensor z = forward(a);
    Tensor y = activation.apply(z);
    Tape tape = Tape.active();
    if (tape != null && GradMode.is_enabled()) {
      tape.recomputable(y, z, activation::apply);
    }
    return y;
  }

  /**
   * {@code a Wᵀ + b} through oneDNN when it applies ({@link OneDnnLinear}), else torch's; with an
   * {@code activation}, the fused oneDNN result or null.
   *
   * @param weightGradient whether autograd may be asked for W's gradient; a taped call's never is
   *     (the DP engine forms it from the tape), so oneDNN need keep no input for it
   */
  private Tensor affine(Tensor a, Activation activation, boolean weightGradient) {
    Tensor w = layout == WeightLayout.OUT_IN ? weight.tensor() : weight.tensor().t();
    Tensor b = bias().map(Parameter::tensor).orElse(null);
    Tensor z = oneDnn.forward(a, w, b, activation, weightGradient);
    if (z != null || activation != null) {
      return z;
    }
    return torch.linear(a, w, b == null ? new TensorOptional() : new TensorOptional(b));
  }

  /** Releases the parameters and the oneDNN copy of the weight. */
  @Override
  public void close() {
    oneDnn.close();
    super.close();
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  public WeightLayout layout() {
    return layout;
  }
}
