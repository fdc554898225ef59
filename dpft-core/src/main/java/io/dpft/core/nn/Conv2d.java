package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * 2-D convolution {@code (B, C_in, H, W) -> (B, C_out, H', W')}, e.g. the ViT patch embedding
 * (kernel = stride = patch size; Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021).
 *
 * <p>A convolution is a linear layer on unfolded patches: with {@code U_i = unfold(x_i)}
 * {@code (C_in·k_h·k_w, L)} and {@code g_i} reshaped to {@code (C_out, L)}, the per-sample weight
 * gradient is {@code g_i U_iᵀ} and the bias gradient {@code Σ_l g_{i,l}}. The tape records the
 * input while the kernel is trainable; {@link #unfold(Tensor)} turns it into patches.
 */
public class Conv2d extends DpLayer {
  private final long[] kernel;
  private final long[] stride;
  private final long[] padding;

  /** Square kernel and stride, no padding; kernel ~ N(0, 0.02²), bias 0. */
  public Conv2d(long inChannels, long outChannels, long kernelSize, long stride, boolean bias) {
    this(inChannels, outChannels, new long[] {kernelSize, kernelSize}, new long[] {stride, stride},
        new long[] {0, 0}, bias);
  }

  /** {@code kernel}, {@code stride}, {@code padding} as {@code {h, w}}. */
  public Conv2d(long inChannels, long outChannels, long[] kernel, long[] stride, long[] padding,
      boolean bias) {
    super(Parameter.normal(ParameterKind.WEIGHT, Init.STD,
            Init.positive("outChannels", outChannels), Init.positive("inChannels", inChannels),
            Init.positive("kernel height", kernel[0]), Init.positive("kernel width", kernel[1])),
        bias ? Parameter.filled(ParameterKind.BIAS, 0, outChannels) : null);
    Init.positive("stride height", stride[0]);
    Init.positive("stride width", stride[1]);
    if (padding[0] < 0 || padding[1] < 0) {
      throw new IllegalArgumentException("padding must be >= 0, got {" + padding[0] + ", "
          + padding[1] + "}");
    }
    this.kernel = kernel.clone();
    this.stride = stride.clone();
    this.padding = padding.clone();
  }

  /** {@code (B, C_in, H, W) -> (B, C_out, H', W')}. */
  public Tensor forward(Tensor x) {
    Tape tape = recordingTape();
    TensorOptional b = bias().map(p -> new TensorOptional(p.tensor())).orElseGet(TensorOptional::new);
    Tensor z = torch.conv2d(x, weight().tensor(), b, stride, padding,
        new long[] {1, 1}, 1);
    return record(tape, z, x);
  }

  /**
   * The patches this layer multiplies with its kernel: {@code (B, C_in, H, W) -> (B, C_in·k_h·k_w,
   * L)}, with {@code L = H'·W'} in the order of the flattened output.
   */
  public Tensor unfold(Tensor x) {
    return torch.im2col(x, kernel, new long[] {1, 1}, padding, stride);
  }
}
