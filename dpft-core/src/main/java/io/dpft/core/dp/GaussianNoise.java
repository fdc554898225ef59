package io.dpft.core.dp;

import org.bytedeco.pytorch.Tensor;

/** Where DP-SGD's Gaussian noise comes from: a tensor of N(0, std²) entries. */
public interface GaussianNoise {
  /** A new tensor of the given shape with independent N(0, std²) entries (caller's scope). */
  Tensor sample(long[] shape, double std);
}
