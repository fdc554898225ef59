package io.dpft.core.dp.norms;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A 2-D convolution is a linear map on unfolded patches: with the input unfolded to
 * (B, L, C·k_h·k_w) and the output gradient (B, O, H', W') viewed as (B, L, O), the linear rules
 * apply to the kernel reshaped to (O, C·k_h·k_w).
 */
public final class Conv2dNormRule {
  private Conv2dNormRule() {}

  /** The input's patches (B, L, C·k_h·k_w) for the convolution's geometry. */
  public static Tensor unfoldedInput(
      Tensor input, long[] kernelSize, long[] dilation, long[] padding, long[] stride) {
    return torch.im2col(input, kernelSize, dilation, padding, stride).transpose(1, 2);
  }

  /** The output gradient (B, O, H', W') as positions × channels (B, L, O). */
  public static Tensor outputGradAsSequence(Tensor outputGrad) {
    return outputGrad.flatten(2, -1).transpose(1, 2);
  }
}
