package io.dpft.core.dp.norms;

import io.dpft.core.nn.LadderGate;
import io.dpft.core.nn.Tape;
import java.util.List;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * A ladder side network's gate (one scalar α): sample i's gradient is
 * {@code Σ g_i ∘ a_i} over every position and feature, with the activation
 * {@code a = ∂z/∂α} the gate records, so it is instantiated per sample as a (B, 1) tensor.
 */
public final class LadderGateNormRule implements PerSampleNormRule<LadderGate> {

  @Override
  public Class<LadderGate> layerType() {
    return LadderGate.class;
  }

  @Override
  public Source source(LadderGate layer, Tape.Entry entry) {
    return Source.OUTPUT_GRADIENT_ONCE;
  }

  @Override
  public List<PerSampleGradient> gradients(LadderGate layer, Tape.Entry entry, Tensor outputGrad) {
    if (!layer.weight().isTrainable()) {
      return List.of();
    }
    Tensor perSample = entry.activation().mul(outputGrad).flatten(1, -1)
        .sum(new long[] {1}, true, new ScalarTypeOptional()); // (B, 1)
    return List.of(PerSampleGradient.instantiated(layer.weight(), perSample));
  }
}
