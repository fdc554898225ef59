package io.dpft.core.dp.norms;

import io.dpft.core.nn.LadderGate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/** A ladder side network's gate: one scalar α mixing the backbone's state with the side's. */
class LadderGateNormRuleTest extends NormRuleContract {
  private static final int B = 4;

  @Override
  Map<String, Supplier<Case<?>>> cases() {
    Map<String, Supplier<Case<?>>> cases = new LinkedHashMap<>();
    cases.put("gate over (B, T, d_s)", LadderGateNormRuleTest::gate);
    return cases;
  }

  private static Case<LadderGate> gate() {
    LadderGate layer = new LadderGate();
    // each example's backbone state and side output side by side, so that a batch of one is one
    return new Case<>(layer, new LadderGateNormRule(), torch.randn(B, 5, 6),
        both -> layer.forward(both.narrow(2, 0, 3), both.narrow(2, 3, 3)));
  }
}
