package io.dpft.core.nn;

import java.util.Optional;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;

/**
 * A layer whose parameters the DP engine can clip per sample: {@code z = f(a; W) + b} with a
 * weight {@code W} and an optional bias {@code b} ({@link Linear}, {@link Conv2d},
 * {@link Embedding}, {@link LayerNorm}, {@link AddedParameter}).
 *
 * <p>While a {@link Tape} is active, every call with a trainable parameter records its output
 * {@code z} and — only when the weight is trainable — the activation that the weight's
 * per-sample gradient needs. With {@code g = dL/dz}, the per-sample gradient of the bias is
 * {@code g_i} summed to the bias' shape (over positions for a vector bias; Bu et al.,
 * "Differentially Private Bias-Term Fine-tuning of Foundation Models", 2022, eq. 4), and that of
 * the weight a contraction of {@code g_i} with the activation (Li et al., "Large Language Models
 * Can Be Strong Differentially Private Learners", ICLR 2022, §4). Subclasses must never modify a
 * recorded output in place.
 */
public abstract class DpLayer extends Module {
  private final Parameter weight;
  private final Parameter bias;

  /** Registers {@code weight} as {@code "weight"} and, when not null, {@code bias} as {@code "bias"}. */
  protected DpLayer(Parameter weight, Parameter bias) {
    this("weight", weight, "bias", bias);
  }

  /**
   * Registers the non-null parameters under the given names; a name {@code ""} names the parameter
   * by this layer's own path (a Hugging Face parameter such as ViT's {@code embeddings.cls_token}).
   */
  protected DpLayer(String weightName, Parameter weight, String biasName, Parameter bias) {
    if (weight == null) {
      throw new IllegalArgumentException("a DpLayer needs a weight, got null");
    }
    this.weight = registerParameter(weightName, weight);
    this.bias = bias == null ? null : registerParameter(biasName, bias);
  }

  /** The weight; its per-sample gradient is computed from the recorded activation. */
  public final Parameter weight() {
    return weight;
  }

  /** The parameter added to the output; its per-sample gradient is {@code g_i} summed to its shape. */
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
    return weight.isTrainable() || (bias != null && bias.isTrainable()) ? tape : null;
  }

  /**
   * Records this call on {@code tape} (from {@link #recordingTape()}, may be null): the output and,
   * when the weight is trainable, {@code activation} (detached; null for a layer whose weight
   * gradient needs none). Returns {@code output}.
   */
  protected final Tensor record(Tape tape, Tensor output, Tensor activation) {
    if (tape != null) {
      boolean keep = weight.isTrainable() && activation != null;
      tape.add(this, output, keep ? activation : null);
    }
    return output;
  }

  /**
   * As {@link #record}, with the activation {@code function(input)} formed again whenever the
   * engine asks for it rather than kept ({@link Tape.Entry#activation()}).
   */
  protected final Tensor recordFormedAgain(
      Tape tape, Tensor output, Tensor input, UnaryOperator<Tensor> function) {
    if (tape != null) {
      if (weight.isTrainable()) {
        tape.addFormedAgain(this, output, input, function);
      } else {
        tape.add(this, output, null);
      }
    }
    return output;
  }
}
