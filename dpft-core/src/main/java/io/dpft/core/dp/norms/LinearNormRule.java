package io.dpft.core.dp.norms;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-sample norms and clipped sums for a linear map z = a·Wᵀ + b applied at every position:
 * a is (B, T, d_in), the output gradient g = ∂L/∂z is (B, T, d_out) (or (B, d) without positions).
 * A trainable weight is book-kept or instantiated as its {@link LinearCostModel} says; the algebra
 * is {@link PerSampleMath}'s.
 */
public final class LinearNormRule implements PerSampleNormRule<Linear> {
  private final LinearCostModel costs;

  /** The rule that picks the cheaper way per call ({@link LinearCostModel#CHEAPEST}). */
  public LinearNormRule() {
    this(LinearCostModel.CHEAPEST);
  }

  /** A rule whose trainable weights go the way {@code costs} picks. */
  public LinearNormRule(LinearCostModel costs) {
    if (costs == null) {
      throw new IllegalArgumentException("costs must be one of "
          + Arrays.toString(LinearCostModel.values()) + ", got null");
    }
    this.costs = costs;
  }

  @Override
  public Class<Linear> layerType() {
    return Linear.class;
  }

  /**
   * A bias-only call whose anchor carries the bias takes its gradients from the anchor's; a
   * bias-only call otherwise, or an instantiated weight, reads g once; a book-kept weight holds g.
   */
  @Override
  public Source source(Linear layer, Tape.Entry entry) {
    if (!layer.weight().isTrainable()) {
      return entry.anchorKind() == Tape.AnchorKind.PATH_WITH_BIAS
          ? Source.ANCHOR_GRADIENT
          : Source.OUTPUT_GRADIENT_ONCE;
    }
    return costs.instantiates(layer, entry) ? Source.OUTPUT_GRADIENT_ONCE : Source.OUTPUT_GRADIENT;
  }

  @Override
  public List<PerSampleGradient> gradients(Linear layer, Tape.Entry entry, Tensor outputGrad) {
    return gradients(layer, entry, outputGrad, null);
  }

  /**
   * The per-sample bias gradients Σ_t g_{i,t} are the anchor's gradient, (B, d_out), when the
   * anchor carries the bias and its gradient is known, else reduced from g.
   */
  @Override
  public List<PerSampleGradient> gradients(
      Linear layer, Tape.Entry entry, Tensor outputGrad, Tensor anchorGrad) {
    List<PerSampleGradient> out = new ArrayList<>(2);
    if (layer.weight().isTrainable()) {
      if (costs.instantiates(layer, entry)) {
        out.add(PerSampleGradient.instantiated(layer.weight(),
            PerSampleMath.perSampleWeightGradients(
                entry.activation(), outputGrad, layer.layout())));
      } else {
        boolean outIn = layer.layout() == WeightLayout.OUT_IN;
        UnaryOperator<Tensor> asOutIn = outIn ? UnaryOperator.identity() : Tensor::t;
        out.add(PerSampleMath.weightGradient(
            layer.weight(), entry::keptActivation, outputGrad, asOutIn, outIn));
      }
    }
    boolean fromAnchor =
        anchorGrad != null && entry.anchorKind() == Tape.AnchorKind.PATH_WITH_BIAS;
    layer.bias().filter(Parameter::isTrainable).ifPresent(b -> out.add(
        PerSampleGradient.instantiated(b, fromAnchor
            ? anchorGrad.reshape(anchorGrad.size(0), -1)
            : PerSampleMath.sumOverPositions(outputGrad))));
    return out;
  }
}
