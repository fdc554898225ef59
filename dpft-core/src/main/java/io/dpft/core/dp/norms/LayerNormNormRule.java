package io.dpft.core.dp.norms;

import org.bytedeco.pytorch.Tensor;

/**
 * Per-sample gradients of LayerNorm's affine parameters, z = x̂∘γ + β with x̂ the normalised
 * input: γ's is Σ_t x̂_{i,t}∘g_{i,t} and β's is Σ_t g_{i,t}; both are only (B, d), so they are
 * instantiated and normed directly.
 */
public final class LayerNormNormRule {
  private LayerNormNormRule() {}

  /** Per-sample gradients of the scale γ: (B, d). */
  public static Tensor perSampleWeightGradients(Tensor normalizedInput, Tensor outputGrad) {
    return LinearNormRule.perSampleBiasGradients(normalizedInput.mul(outputGrad));
  }
}
