package io.dpft.core.dp.norms;

import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Tape;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * How to get per-sample gradient norms and clipped sums of one layer type from a recorded call
 * and its gradients. One implementation per layer type, filed in {@link NormRules}. A rule only
 * computes, and says from what ({@link #source}); the engine decides when, inside backward or
 * after it, and what backward is asked for.
 */
public interface PerSampleNormRule<L extends DpLayer> {

  /** What a call's per-sample gradients are formed from. */
  enum Source {
    /**
     * The output gradient g, held to the end of backward: some returned gradient is computed
     * lazily from it (a ghost norm, a book-kept clipped sum).
     */
    OUTPUT_GRADIENT,
    /**
     * The output gradient g, read once: every returned gradient is
     * {@link PerSampleGradient.Instantiated}, so the engine may form them inside backward, as
     * soon as g exists, and free g at once.
     */
    OUTPUT_GRADIENT_ONCE,
    /**
     * The gradient of the call's {@link Tape.Entry#anchor() anchor} alone: the engine needs
     * nothing of g, not even inside backward.
     */
    ANCHOR_GRADIENT
  }

  /** The layer type this rule handles. */
  Class<L> layerType();

  /**
   * What {@link #gradients(DpLayer, Tape.Entry, Tensor, Tensor)} needs for this call (the layer
   * in its current trainable state, the shapes and {@link Tape.Entry#anchorKind()} of
   * {@code entry}).
   */
  default Source source(L layer, Tape.Entry entry) {
    return Source.OUTPUT_GRADIENT;
  }

  /**
   * The per-sample gradients of the call's trainable parameters (none for frozen ones).
   *
   * @param outputGrad ∂L/∂z for the call's output z, with L the sum of per-sample losses
   */
  List<PerSampleGradient> gradients(L layer, Tape.Entry entry, Tensor outputGrad);

  /**
   * As {@link #gradients(DpLayer, Tape.Entry, Tensor)}, when the gradient of the call's
   * {@link Tape.Entry#anchor() anchor} is known too: a rule may take part of the gradients from
   * it rather than reduce {@code outputGrad} again, or all of them
   * ({@link Source#ANCHOR_GRADIENT}).
   *
   * @param outputGrad ∂L/∂z; null when the rule's source is {@link Source#ANCHOR_GRADIENT}
   * @param anchorGrad ∂L/∂(anchor), or null when not known
   */
  default List<PerSampleGradient> gradients(
      L layer, Tape.Entry entry, Tensor outputGrad, Tensor anchorGrad) {
    return gradients(layer, entry, outputGrad);
  }
}
