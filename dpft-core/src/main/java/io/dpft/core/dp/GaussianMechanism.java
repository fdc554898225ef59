package io.dpft.core.dp;

import io.dpft.privacy.noise.SecureGaussian;
import java.nio.FloatBuffer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The noise step of DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016,
 * Algorithm 1): g̃ = (Σ_i c_i g_i + N(0, σ²C² I)) / n, with the clipped sum Σ_i c_i g_i of one
 * logical batch and n the expected batch size qN under Poisson sampling (the expected, not the
 * realised, size keeps the sensitivity at C/(qN)). Shared by {@link DpSgdEngine} and any other
 * producer of clipped sums, so every DP path adds noise the same way.
 */
public final class GaussianMechanism {
  private GaussianMechanism() {}

  /**
   * A new tensor (clippedSum + N(0, noiseStd²)) / expectedBatchSize, in the caller's scope.
   *
   * @param noiseStd σ·C, the standard deviation per coordinate (0: no noise, {@code noise} unused)
   * @param expectedBatchSize qN under Poisson sampling (the fixed batch size otherwise)
   * @param noise the generator of this logical batch's noise
   */
  public static Tensor privatize(
      Tensor clippedSum, double noiseStd, double expectedBatchSize, SecureGaussian noise) {
    if (!(expectedBatchSize > 0)) {
      throw new IllegalArgumentException("expectedBatchSize must be > 0, got " + expectedBatchSize);
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      Tensor g = clippedSum.clone();
      if (noiseStd > 0) {
        g.add_(gaussian(noise, clippedSum.shape(), noiseStd));
      }
      g.div_(new Scalar(expectedBatchSize));
      return g;
    }
  }

  /** A new tensor of N(0, std²) entries, drawn by the secure generator into native memory. */
  private static Tensor gaussian(SecureGaussian noise, long[] shape, double std) {
    Tensor t = torch.empty(shape);
    FloatBuffer values = t.data_ptr_float().capacity(t.numel()).asBuffer();
    noise.fill(values, std);
    return t;
  }
}
