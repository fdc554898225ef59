package io.dpft.core.dp.norms;

import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Tape;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * How to get per-sample gradient norms and clipped sums of one layer type from a recorded call
 * and its output gradient. One implementation per layer type, filed in {@link NormRules}.
 */
public interface PerSampleNormRule<L extends DpLayer> {

  /** The layer type this rule handles. */
  Class<L> layerType();

  /**
   * The per-sample gradients of the call's trainable parameters (none for frozen ones).
   *
   * @param outputGrad ∂L/∂z for the call's output z, with L the sum of per-sample losses
   */
  List<PerSampleGradient> gradients(L layer, Tape.Entry entry, Tensor outputGrad);

  /**
   * As {@link #gradients(DpLayer, Tape.Entry, Tensor)}, after backward, when the gradient of the
   * call's {@link Tape.Entry#anchor() anchor} is known too: a rule may take part of the gradients
   * from it rather than reduce {@code outputGrad} again, or all of them ({@link #fromAnchorAlone}).
   *
   * @param outputGrad ∂L/∂z; null for a call for which {@link #fromAnchorAlone} holds
   * @param anchorGrad ∂L/∂(anchor)
   */
  default List<PerSampleGradient> gradients(
      L layer, Tape.Entry entry, Tensor outputGrad, Tensor anchorGrad) {
    return gradients(layer, entry, outputGrad);
  }

  /**
   * Whether every gradient that {@link #gradients} returns for this call (the layer in its current
   * trainable state, the shapes of {@code entry}) is {@link PerSampleGradient.Instantiated}, which
   * needs nothing more of the output gradient: then the engine computes the gradients inside
   * backward, as soon as the output gradient exists, and frees the output gradient instead of
   * holding it to the end of backward.
   */
  default boolean instantiatesAll(L layer, Tape.Entry entry) {
    return false;
  }

  /**
   * Whether {@link #gradients(DpLayer, Tape.Entry, Tensor, Tensor)} gives every per-sample
   * gradient of this call from the gradient of its {@link Tape.Entry#anchor() anchor} alone: then
   * the engine needs nothing of its output gradient, not even inside backward.
   */
  default boolean fromAnchorAlone(L layer, Tape.Entry entry) {
    return false;
  }
}
