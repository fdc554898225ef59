package io.dpft.core.dp.norms;

import io.dpft.core.nn.AddedParameter;
import io.dpft.core.nn.ParameterKind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/** ViT's position embeddings (1, N, d) and a class token (1, 1, d) broadcast over positions. */
class AddedParameterNormRuleTest extends NormRuleContract {
  private static final int B = 4;
  private static final long N = 5;
  private static final long D = 3;

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    cases.put("position embeddings (1, N, d)", () -> added(1, N, D));
    cases.put("broadcast over positions (1, 1, d)", () -> added(1, 1, D));
    return cases;
  }

  private static Case<AddedParameter> added(long... shape) {
    AddedParameter layer = new AddedParameter(ParameterKind.EMBEDDING, shape);
    return new Case<>(layer, new AddedParameterNormRule(), torch.randn(B, N, D), layer::forward);
  }
}
