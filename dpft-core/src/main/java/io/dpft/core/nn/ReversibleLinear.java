package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A linear layer {@code a Wᵀ + b} of a {@link ReversibleStack} adapter: the stack's own backward,
 * not autograd, forms its per-sample gradients, so it is a layer type of its own, whose norm rule
 * takes those gradients from here rather than from a recorded activation.
 */
public final class ReversibleLinear extends DpLayer {
  private Tensor perSampleWeight;
  private Tensor perSampleBias;

  ReversibleLinear(Parameter weight, Parameter bias) {
    super(weight, bias);
  }

  /** {@code a Wᵀ + b} in plain torch operations, which autograd can differentiate as they are. */
  Tensor apply(Tensor a) {
    return torch.linear(a, weight().tensor(), new TensorOptional(bias().orElseThrow().tensor()));
  }

  /** Keeps the per-sample gradients the stack's backward formed ({@code (B, …)} each). */
  void setPerSampleGradients(Tensor weightGradients, Tensor biasGradients) {
    perSampleWeight = weightGradients;
    perSampleBias = biasGradients;
  }

  /**
   * The per-sample gradients of the trainable parameters from the last backward pass, weight
   * first, forgotten when {@code forget}.
   *
   * @throws IllegalStateException if no backward pass formed them
   */
  List<Tensor> perSampleGradients(boolean forget) {
    if (perSampleWeight == null) {
      throw new IllegalStateException("no backward pass through the reversible stack formed "
          + "per-sample gradients");
    }
    List<Tensor> out = new ArrayList<>(2);
    if (weight().isTrainable()) {
      out.add(perSampleWeight);
    }
    if (bias().orElseThrow().isTrainable()) {
      out.add(perSampleBias);
    }
    if (forget) {
      perSampleWeight = null;
      perSampleBias = null;
    }
    return out;
  }

  /** As {@link #perSampleGradients}, forgetting them: for the DP engine's norm rule. */
  public List<Tensor> takePerSampleGradients() {
    return perSampleGradients(true);
  }
}
