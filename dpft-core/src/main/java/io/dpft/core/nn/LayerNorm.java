package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Layer normalisation over the last dimension, {@code z = x̂ ∘ γ + β} with
 * {@code x̂ = (x − μ) / sqrt(σ² + eps)} (Ba et al., "Layer Normalization", 2016).
 *
 * <p>Per sample, {@code ∂ℓ_i/∂γ = Σ_t x̂_{i,t} ∘ g_{i,t}} and {@code ∂ℓ_i/∂β = Σ_t g_{i,t}}. The
 * layer always runs torch's fused kernel; while γ is trainable and a tape is active, the tape
 * forms {@code x̂} again from x (which the fused kernel's backward keeps anyway) when the engine
 * asks for it, instead of keeping a (B, T, d) copy from the forward pass.
 */
public class LayerNorm extends DpLayer {
  private final long dim;
  private final double eps;

  /** γ = 1, β = 0. */
  public LayerNorm(long dim, double eps) {
    super(Parameter.filled(ParameterKind.NORM_WEIGHT, 1, Init.positive("dim", dim)),
        Parameter.filled(ParameterKind.NORM_BIAS, 0, dim));
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be > 0, got " + eps);
    }
    this.dim = dim;
    this.eps = eps;
  }

  /** {@code (B, ..., d) -> (B, ..., d)}. */
  public Tensor forward(Tensor x) {
    Tensor z = torch.layer_norm(x, new long[] {dim}, new TensorOptional(weight().tensor()),
        new TensorOptional(bias().orElseThrow().tensor()), eps, false);
    return recordFormedAgain(recordingTape(), z, x, this::normalised);
  }

  /** {@code x̂ = (x − μ)/sqrt(σ² + eps)} over the last axis. */
  private Tensor normalised(Tensor x) {
    return torch.layer_norm(x, new long[] {dim}, new TensorOptional(), new TensorOptional(), eps,
        false);
  }

  public double eps() {
    return eps;
  }
}
