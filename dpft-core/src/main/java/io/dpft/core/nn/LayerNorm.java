package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Layer normalisation over the last dimension, {@code z = x̂ ∘ γ + β} with
 * {@code x̂ = (x − μ) / sqrt(σ² + eps)} (Ba et al., "Layer Normalization", 2016).
 *
 * <p>Per sample, {@code ∂ℓ_i/∂γ = Σ_t x̂_{i,t} ∘ g_{i,t}} and {@code ∂ℓ_i/∂β = Σ_t g_{i,t}}. While
 * γ is trainable and a tape is active, the layer computes {@code x̂} separately so the tape can
 * record it; otherwise it runs torch's fused kernel.
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
    Tape tape = recordingTape();
    Tensor gamma = weight().tensor();
    Tensor beta = bias().orElseThrow().tensor();
    if (tape == null || !weight().isTrainable()) {
      Tensor z = torch.layer_norm(x, new long[] {dim}, new TensorOptional(gamma),
          new TensorOptional(beta), eps, false);
      return record(tape, z, null);
    }
    Tensor xHat = torch.layer_norm(x, new long[] {dim}, new TensorOptional(),
        new TensorOptional(), eps, false);
    Tensor z = torch.addcmul(beta, xHat, gamma);
    return record(tape, z, xHat);
  }

  public double eps() {
    return eps;
  }
}
