package io.dpft.core.dp.norms;

import io.dpft.core.nn.Linear;
import io.dpft.core.nn.WeightLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/**
 * Linear calls with and without a bias, the weight trainable or frozen, inputs of 2, 3 and 4
 * axes that do or do not require a gradient (with one, a call through oneDNN has an anchor; a
 * bias-only such call is then anchor-only), both {@link WeightLayout}s, and every
 * {@link LinearCostModel}. With d_in = 4 and d_out = 3 the book-kept norm is a ghost norm for
 * T = 2 and an instantiated one for T = 6 ({@link LinearCostModel#useGhostNorm}).
 */
class LinearNormRuleTest extends NormRuleContract {
  private static final int B = 5;
  private static final int D_IN = 4;
  private static final int D_OUT = 3;
  private static final long[][] INPUTS = {{B, 2, D_IN}, {B, 6, D_IN}, {B, D_IN}, {B, 2, 3, D_IN}};

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    for (WeightLayout layout : WeightLayout.values()) {
      for (boolean bias : new boolean[] {true, false}) {
        for (boolean weight : new boolean[] {true, false}) {
          if (!weight && !bias) {
            continue; // nothing to train: no entry
          }
          for (long[] shape : INPUTS) {
            for (boolean inputGrad : new boolean[] {true, false}) {
              for (LinearCostModel costs : weight
                  ? LinearCostModel.values() : new LinearCostModel[] {LinearCostModel.CHEAPEST}) {
                String name = layout + (bias ? " with bias" : " without bias")
                    + (weight ? ", weight trainable" : ", weight frozen") + ", input "
                    + Arrays.toString(shape) + (inputGrad ? " requiring a gradient" : "")
                    + ", " + costs;
                cases.put(name, () -> {
                  Linear layer = new Linear(D_IN, D_OUT, bias, layout);
                  layer.weight().setTrainable(weight);
                  return new Case<>(layer, new LinearNormRule(costs),
                      torch.randn(shape).set_requires_grad(inputGrad),
                      layer::forward);
                });
              }
            }
          }
        }
      }
    }
    return cases;
  }
}
