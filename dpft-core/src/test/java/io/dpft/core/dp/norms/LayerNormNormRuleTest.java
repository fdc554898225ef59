package io.dpft.core.dp.norms;

import io.dpft.core.nn.LayerNorm;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/** LayerNorm's γ and β, together and each alone, over an input that requires a gradient or not. */
class LayerNormNormRuleTest extends NormRuleContract {
  private static final int B = 3;
  private static final long T = 5;
  private static final long D = 6;

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    for (boolean gamma : new boolean[] {true, false}) {
      for (boolean beta : new boolean[] {true, false}) {
        if (!gamma && !beta) {
          continue;
        }
        for (boolean inputGrad : new boolean[] {true, false}) {
          cases.put((gamma ? "γ" : "") + (beta ? "β" : "") + (inputGrad ? ", input gradient" : ""),
              () -> {
                LayerNorm layer = new LayerNorm(D, 1e-5);
                layer.weight().setTrainable(gamma);
                layer.bias().orElseThrow().setTrainable(beta);
                return new Case<>(layer, new LayerNormNormRule(),
                    torch.randn(B, T, D).set_requires_grad(inputGrad), layer::forward);
              });
        }
      }
    }
    return cases;
  }
}
