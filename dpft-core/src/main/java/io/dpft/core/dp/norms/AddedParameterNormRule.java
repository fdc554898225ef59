package io.dpft.core.dp.norms;

import io.dpft.core.nn.AddedParameter;
import io.dpft.core.nn.Tape;
import java.util.List;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * A parameter P added to every sample, z_i = x_i + P (ViT's position embeddings and class
 * token): sample i's gradient is g_i summed over the axes along which P was broadcast, so it is
 * instantiated per sample — it has P's size, small next to the activations.
 */
public final class AddedParameterNormRule implements PerSampleNormRule<AddedParameter> {

  @Override
  public Class<AddedParameter> layerType() {
    return AddedParameter.class;
  }

  @Override
  public List<PerSampleGradient> gradients(
      AddedParameter layer, Tape.Entry entry, Tensor outputGrad) {
    if (!layer.weight().isTrainable()) {
      return List.of();
    }
    long[] shape = layer.weight().shape(); // (1, s1, …)
    Tensor perSample = outputGrad;
    for (int k = 1; k < shape.length; k++) {
      if (shape[k] == 1 && perSample.size(k) != 1) {
        perSample = perSample.sum(new long[] {k}, true, new ScalarTypeOptional());
      }
    }
    return List.of(PerSampleGradient.instantiated(layer.weight(), perSample));
  }
}
