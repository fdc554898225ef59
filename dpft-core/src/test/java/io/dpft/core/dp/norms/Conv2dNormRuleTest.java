package io.dpft.core.dp.norms;

import io.dpft.core.nn.Conv2d;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/** A patch-embedding convolution (kernel = stride) and an overlapping one, kernel and bias. */
class Conv2dNormRuleTest extends NormRuleContract {
  private static final int B = 3;
  private static final long C = 2;
  private static final long O = 4;
  private static final long H = 6;

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    for (long stride : new long[] {2, 1}) {
      for (boolean bias : new boolean[] {true, false}) {
        for (boolean kernel : new boolean[] {true, false}) {
          if (!kernel && !bias) {
            continue;
          }
          cases.put("stride " + stride + (kernel ? ", kernel" : "") + (bias ? ", bias" : ""),
              () -> {
                Conv2d layer = new Conv2d(C, O, 2, stride, bias);
                layer.weight().setTrainable(kernel);
                return new Case<>(layer, new Conv2dNormRule(), torch.randn(B, C, H, H),
                    layer::forward);
              });
        }
      }
    }
    return cases;
  }
}
