package io.dpft.core.nn;

import java.util.Optional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;

/**
 * A layer whose parameters the DP engine can clip per sample: an affine map {@code z = f(a; W) + b}
 * with one weight and an optional bias ({@link Linear}, {@link Conv2d}, {@link Embedding},
 * {@link LayerNorm}).
 *
 * <p>While a {@link Tape} is active, every call with a trainable parameter records its output
 * {@code z}, and — only when the weight is trainable — the activation that the weight's
 * per-sample gradient needs. From {@code g = dL/dz}, the per-sample bias gradient is
 * {@code Σ_t g_{i,t}} and the weight gradient a contraction of {@code g_i} with that activation
 * (Bu et al., "Differentially Private Bias-Term Fine-tuning of Foundation Models", 2022, eq. 4;
 * Li et al., "Large Language Models Can Be Strong Differentially Private Learners", ICLR 2022,
 * §4 ghost clipping). Subclasses must never modify a recorded output in place.
 */
public abstract class DpLayer extends Module {
  private final Parameter weight;
  private final Parameter bias;

  /** Registers {@code weight} as {@code "weight"} and, when not null, {@code bias} as {@code "bias"}. */
  protected DpLayer(Parameter weight, Parameter bias) {
    this.weight = registerParameter("weight", weight);
    this.bias = bias == null ? null : registerParameter("bias", bias);
  }

  public final Parameter weight() {
    return weight;
  }

  public final Optional<Parameter> bias() {
    return Optional.ofNullable(bias);
  }

  /**
   * The tape this call must record on, or null: no active tape, grad mode off, or no trainable
   * parameter in this layer.
   */
  protected final Tape recordingTape() {
    Tape tape = Tape.active();
    if (tape == null || !GradMode.is_enabled()) {
      return null;
    }
    boolean trainable = weight.isTrainable() || (bias != null && bias.isTrainable());
    return trainable ? tape : null;
  }

  /**
   * Records this call on {@code tape} (from {@link #recordingTape()}, may be null): the output and,
   * when the weight is trainable, {@code activation} (detached). Returns {@code output}.
   */
  protected final Tensor record(Tape tape, Tensor output, Tensor activation) {
    if (tape != null) {
      tape.add(this, output, weight.isTrainable() ? activation.detach() : null);
    }
    return output;
  }
}
