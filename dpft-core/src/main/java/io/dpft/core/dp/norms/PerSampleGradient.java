package io.dpft.core.dp.norms;

import io.dpft.core.nn.Parameter;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * The per-sample gradients of one trainable parameter in one recorded layer call, known through
 * what clipping needs: their squared norms and their clipped sum. Implementations compute lazily
 * from the call's output gradient and activation; tensors belong to the step's scope.
 */
public interface PerSampleGradient {
  /** The parameter these gradients belong to. */
  Parameter parameter();

  /**
   * ‖∂ℓ_i/∂θ‖² for every sample i: a B-vector; a ghost norm takes its Gram matrices from
   * {@code grams}, which the step's other norms share.
   */
  Tensor squaredNorms(Grams grams);

  /** Σ_i c_i·∂ℓ_i/∂θ for per-sample clip factors c (a B-vector): the parameter's shape. */
  Tensor clippedSum(Tensor clipFactors);

  /**
   * Adds {@link #clippedSum} to {@code accumulator} (the parameter's shape) in place; a gradient
   * whose sum is sparse or a product overrides this to skip the temporary full-size tensor.
   */
  default void addClippedSumTo(Tensor accumulator, Tensor clipFactors) {
    accumulator.add_(clippedSum(clipFactors));
  }

  /**
   * The gradients as sums of outer products, when they are (linear weights, embedding tables):
   * what {@link SharedParameterGradient} needs to combine two uses of a tied parameter.
   */
  default Optional<OuterProducts> outerProducts() {
    return Optional.empty();
  }

  /** Gradients held per sample as a (B, parameter shape…) tensor: biases, LayerNorm, … */
  static PerSampleGradient instantiated(Parameter parameter, Tensor perSample) {
    return new Instantiated(parameter, perSample);
  }

  /**
   * Per-sample gradients held as one (B, parameter shape…) tensor: small, and all that clipping
   * needs of this parameter (the output gradient it was reduced from can be freed).
   */
  record Instantiated(Parameter parameter, Tensor perSample) implements PerSampleGradient {
    @Override
    public Tensor squaredNorms(Grams grams) {
      return PerSampleMath.squaredRowNorms(perSample);
    }

    @Override
    public Tensor clippedSum(Tensor clipFactors) {
      return PerSampleMath.clippedSum(perSample, clipFactors);
    }
  }
}
