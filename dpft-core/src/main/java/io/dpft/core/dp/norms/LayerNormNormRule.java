package io.dpft.core.dp.norms;

import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-sample gradients of LayerNorm's affine parameters, z = x̂∘γ + β with x̂ the normalised
 * input: γ's is Σ_t x̂_{i,t}∘g_{i,t} and β's is Σ_t g_{i,t}; both are only (B, d), so they are
 * instantiated and normed directly.
 */
public final class LayerNormNormRule implements PerSampleNormRule<LayerNorm> {

  @Override
  public Class<LayerNorm> layerType() {
    return LayerNorm.class;
  }

  /** γ and β both have (B, d) per-sample gradients. */
  @Override
  public Source source(LayerNorm layer, Tape.Entry entry) {
    return Source.OUTPUT_GRADIENT_ONCE;
  }

  @Override
  public List<PerSampleGradient> gradients(LayerNorm layer, Tape.Entry entry, Tensor outputGrad) {
    List<PerSampleGradient> out = new ArrayList<>(2);
    if (layer.weight().isTrainable()) {
      out.add(
          PerSampleGradient.instantiated(
              layer.weight(), perSampleWeightGradients(entry.activation(), outputGrad)));
    }
    layer
        .bias()
        .filter(Parameter::isTrainable)
        .ifPresent(
            b ->
                out.add(
                    PerSampleGradient.instantiated(
                        b, PerSampleMath.sumOverPositions(outputGrad))));
    return out;
  }

  /** Per-sample gradients of the scale γ: (B, d). */
  static Tensor perSampleWeightGradients(Tensor normalizedInput, Tensor outputGrad) {
    return PerSampleMath.sumOverPositions(normalizedInput.mul(outputGrad));
  }
}
