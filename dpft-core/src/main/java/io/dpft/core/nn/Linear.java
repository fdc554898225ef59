package io.dpft.core.nn;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Affine map {@code z = a Wᵀ + b} over the last dimension: {@code (B, ..., d_in) -> (B, ..., d_out)}.
 *
 * <p>Per sample, the weight gradient is {@code Σ_t g_{i,t} ⊗ a_{i,t}} and the bias gradient
 * {@code Σ_t g_{i,t}}, with {@code g = dL/dz} (Goodfellow, "Efficient Per-Example Gradient
 * Computations", 2015). The tape records {@code a} only while {@code W} is trainable.
 *
 * <p>A layer may carry a low-rank update ({@link #addLowRankUpdate}, LoRA): {@code z = a Wᵀ + b +
 * (α/r) · (drop(a) Aᵀ) Bᵀ}, with {@code A} and {@code B} two bias-free child Linears named
 * {@code lora_A} and {@code lora_B} as in PEFT, so that the DP engine clips them by the Linear rule
 * like any other layer (the input of {@code B} is {@code drop(a) Aᵀ}).
 */
public class Linear extends DpLayer {
  private final Parameter weight;
  private final int inFeatures;
  private final int outFeatures;
  private final WeightLayout layout;
  private final OneDnnLinear oneDnn = new OneDnnLinear();
  /** The low-rank update, or null (the plain layer). */
  private LowRank lowRank;

  /** LoRA's {@code A} {@code [r, d_in]}, {@code B} {@code [d_out, r]}, its dropout and α/r. */
  private record LowRank(Linear a, Linear b, Dropout dropout, double scale) {}

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
    Tensor z = record(tape, affine(a, null, tape == null), a);
    if (lowRank == null) {
      return z;
    }
    Tensor update = lowRank.b.forward(lowRank.a.forward(lowRank.dropout.forward(a)));
    return z.add(update, new Scalar(lowRank.scale));
  }

  /**
   * {@code activation(a Wᵀ + b)}; one fused oneDNN call when no tape records this layer and no
   * gradient flows through it (inference), else the activation applied to {@link #forward(Tensor)},
   * which a tape may form again from {@code a Wᵀ + b} rather than keep ({@link Tape#recomputable}).
   */
  public Tensor forward(Tensor a, Activation activation) {
    if (recordingTape() == null && lowRank == null) {
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
   * {@code a Wᵀ + b} through oneDNN when it applies ({@link OneDnnLinear}, which also runs the
   * product in bfloat16 under {@link Precision#BF16}), else torch's; with an
   * {@code activation}, the fused oneDNN result or null.
   *
   * @param weightGradient whether autograd may be asked for W's gradient; a taped call's never is
   *     (the DP engine forms it from the tape), so oneDNN need keep no input for it
   */
  private Tensor affine(Tensor a, Activation activation, boolean weightGradient) {
    Tensor w = layout == WeightLayout.OUT_IN ? weight.tensor() : weight.tensor().t();
    Tensor b = bias().map(Parameter::tensor).orElse(null);
    Tensor z = oneDnn.forward(a, w, b, activation, weightGradient, precision());
    if (z != null || activation != null) {
      return z;
    }
    return torch.linear(a, w, b == null ? new TensorOptional() : new TensorOptional(b));
  }

  /**
   * Adds a trainable low-rank update (Hu et al., "LoRA", ICLR 2022): children {@code lora_A}
   * {@code [rank, d_in]}, drawn as PEFT draws it (kaiming-uniform with a = √5, i.e. U(±1/√d_in)),
   * and {@code lora_B} {@code [d_out, rank]} of zeros, so that the layer computes what it did
   * before until B trains; {@code lora_dropout} drops B·A's input in training mode. The children
   * start trainable and in this layer's training mode.
   *
   * @throws IllegalStateException if this layer has a low-rank update already
   */
  public void addLowRankUpdate(int rank, double alpha, double dropout) {
    if (lowRank != null) {
      throw new IllegalStateException("this Linear has a low-rank update already");
    }
    Init.positive("rank", rank);
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be positive and finite, got " + alpha);
    }
    Dropout drop = new Dropout(dropout);
    double bound = 1 / Math.sqrt(inFeatures);
    Parameter aWeight;
    try (PointerScope scope = new PointerScope()) {
      Tensor u = torch.rand(new long[] {rank, inFeatures});
      u.mul_(new Scalar(2 * bound)).sub_(new Scalar(bound));
      aWeight = new Parameter(u, ParameterKind.WEIGHT);
    }
    Linear a = registerModule("lora_A", new Linear(aWeight, null, WeightLayout.OUT_IN));
    Linear b = registerModule("lora_B", new Linear(
        Parameter.filled(ParameterKind.WEIGHT, 0, outFeatures, rank), null, WeightLayout.OUT_IN));
    registerModule("lora_dropout", drop).train(isTraining());
    a.train(isTraining());
    b.train(isTraining());
    lowRank = new LowRank(a, b, drop, alpha / rank);
  }

  /** Whether {@link #addLowRankUpdate} was called. */
  public boolean hasLowRankUpdate() {
    return lowRank != null;
  }

  /**
   * Adds {@code (α/r)·BA} into {@code W} (in W's layout) and removes {@code lora_A},
   * {@code lora_B} and {@code lora_dropout}, releasing them: the plain layer that computes what
   * this one did in evaluation mode, for an export that has no LoRA modules.
   *
   * @throws IllegalStateException if this layer has no low-rank update
   */
  public void mergeLowRankUpdate() {
    if (lowRank == null) {
      throw new IllegalStateException("this Linear has no low-rank update to merge");
    }
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      Tensor delta = lowRank.b.weight().tensor().matmul(lowRank.a.weight().tensor());
      weight.tensor().add_(layout == WeightLayout.OUT_IN ? delta : delta.t(),
          new Scalar(lowRank.scale));
    }
    removeModule("lora_A").close();
    removeModule("lora_B").close();
    removeModule("lora_dropout").close();
    lowRank = null;
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
