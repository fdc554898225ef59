package io.dpft.core.dp.norms;

import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ReversibleLinear;
import io.dpft.core.nn.Tape;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@link ReversibleLinear}: the reversible stack's backward instantiated every per-sample
 * gradient (a (B, d_out, d_in) weight and a (B, d_out) bias, small for an adapter), so the rule
 * hands them on; the gradient of the call's anchor is not needed.
 */
public final class ReversibleLinearNormRule implements PerSampleNormRule<ReversibleLinear> {

  @Override
  public Class<ReversibleLinear> layerType() {
    return ReversibleLinear.class;
  }

  @Override
  public List<PerSampleGradient> gradients(
      ReversibleLinear layer, Tape.Entry entry, Tensor outputGrad) {
    List<Tensor> perSample = layer.takePerSampleGradients();
    List<Parameter> trainable = new ArrayList<>(2);
    if (layer.weight().isTrainable()) {
      trainable.add(layer.weight());
    }
    layer.bias().filter(Parameter::isTrainable).ifPresent(trainable::add);
    List<PerSampleGradient> out = new ArrayList<>(trainable.size());
    for (int k = 0; k < trainable.size(); k++) {
      out.add(PerSampleGradient.instantiated(trainable.get(k), perSample.get(k)));
    }
    return out;
  }

  @Override
  public Source source(ReversibleLinear layer, Tape.Entry entry) {
    return Source.ANCHOR_GRADIENT;
  }
}
