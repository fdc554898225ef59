package io.dpft.core.dp;

import io.dpft.privacy.noise.SecureGaussian;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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
 *
 * <p>Drawing the noise is a fixed cost per parameter, a large part of a full fine-tuning step's
 * DP overhead (docs/performance.md). With the secure generator, whose every fill draws a fresh
 * key, the draws are split into slices filled in parallel, one secure generator per slice (a
 * generator is not shared between threads). Each thread takes the next slice as soon as it is
 * done with one, so that one large tensor's slices (a token embedding's) spread over all threads.
 * A generator seeded for reproducibility fills tensor after tensor, in parameter order, as one
 * stream.
 */
public final class GaussianMechanism {
  /** Draws per parallel slice: large enough that a slice's key setup is negligible. */
  static final int SLICE = 1 << 20;

  private GaussianMechanism() {}

  /**
   * New tensors (clippedSum_k + N(0, noiseStd²)) / expectedBatchSize for every k, in the caller's
   * scope; {@code clippedSums} are not modified.
   *
   * @param noiseStd σ·C, the standard deviation per coordinate (0: no noise, {@code noise} unused)
   * @param expectedBatchSize qN under Poisson sampling (the fixed batch size otherwise)
   * @param noise the generator of this logical batch's noise
   */
  public static List<Tensor> privatize(
      List<Tensor> clippedSums, double noiseStd, double expectedBatchSize, SecureGaussian noise) {
    if (!(expectedBatchSize > 0)) {
      throw new IllegalArgumentException("expectedBatchSize must be > 0, got " + expectedBatchSize);
    }
    List<Tensor> out = new ArrayList<>(clippedSums.size());
    try (NoGradGuard noGrad = new NoGradGuard()) {
      if (noiseStd == 0) {
        clippedSums.forEach(s -> out.add(s.div(new Scalar(expectedBatchSize))));
        return out;
      }
      List<FloatBuffer> values = new ArrayList<>(clippedSums.size());
      for (Tensor s : clippedSums) {
        Tensor t = torch.empty(s.shape());
        values.add(t.data_ptr_float().capacity(t.numel()).asBuffer());
        out.add(t);
      }
      fill(values, noiseStd, noise);
      for (int k = 0; k < out.size(); k++) {
        out.get(k).add_(clippedSums.get(k)).div_(new Scalar(expectedBatchSize));
      }
    }
    return out;
  }

  private static void fill(List<FloatBuffer> values, double std, SecureGaussian noise) {
    if (!noise.isSecure()) {
      values.forEach(v -> noise.fill(v, std));
      return;
    }
    List<FloatBuffer> slices = new ArrayList<>();
    for (FloatBuffer v : values) {
      for (int from = 0; from < v.capacity(); from += SLICE) {
        slices.add(v.duplicate().position(from).limit(Math.min(v.capacity(), from + SLICE)));
      }
    }
    AtomicInteger next = new AtomicInteger();
    int threads = Math.min(slices.size(), ForkJoinPool.getCommonPoolParallelism() + 1);
    IntStream.range(0, threads).parallel().forEach(thread -> {
      for (int i = next.getAndIncrement(); i < slices.size(); i = next.getAndIncrement()) {
        SecureGaussian.secure().fill(slices.get(i), std);
      }
    });
  }
}
