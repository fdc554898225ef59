package io.dpft.core.dp.norms;

import io.dpft.core.nn.Conv2d;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A 2-D convolution is a linear map on unfolded patches: with the input unfolded to
 * (B, L, C·k_h·k_w) and the output gradient (B, O, H', W') viewed as (B, L, O), the linear rules
 * apply to the kernel reshaped to (O, C·k_h·k_w).
 */
public final class Conv2dNormRule implements PerSampleNormRule<Conv2d> {

  @Override
  public Class<Conv2d> layerType() {
    return Conv2d.class;
  }

  /**
   * A trainable kernel is book-kept from g; bias-only, the per-sample bias gradients (B, C_out)
   * are all there is.
   */
  @Override
  public Source source(Conv2d layer, Tape.Entry entry) {
    return layer.weight().isTrainable() ? Source.OUTPUT_GRADIENT : Source.OUTPUT_GRADIENT_ONCE;
  }

  @Override
  public List<PerSampleGradient> gradients(Conv2d layer, Tape.Entry entry, Tensor outputGrad) {
    List<PerSampleGradient> out = new ArrayList<>(2);
    Tensor g = outputGradAsSequence(outputGrad);
    if (layer.weight().isTrainable()) {
      Tensor patches = layer.unfold(entry.activation()).transpose(1, 2);
      long outChannels = layer.weight().shape()[0];
      out.add(
          PerSampleMath.weightGradient(
              layer.weight(), () -> patches, g, kernel -> kernel.view(outChannels, -1), true));
    }
    layer
        .bias()
        .filter(Parameter::isTrainable)
        .ifPresent(
            b ->
                out.add(
                    PerSampleGradient.instantiated(b, PerSampleMath.sumOverPositions(g))));
    return out;
  }

  /** The output gradient (B, O, H', W') as positions × channels (B, L, O). */
  static Tensor outputGradAsSequence(Tensor outputGrad) {
    return outputGrad.flatten(2, -1).transpose(1, 2);
  }
}
