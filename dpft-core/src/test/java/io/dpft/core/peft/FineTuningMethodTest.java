package io.dpft.core.peft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FineTuningMethodTest {

  @Test
  void recorded_rebuildsEachMethodFromItsNameAndSettings() {
    for (FineTuningMethod method : new FineTuningMethod[] {
        new FineTuningMethod.Full(),
        new FineTuningMethod.BitFit(false),
        new FineTuningMethod.LastLayer(),
        new FineTuningMethod.TwoPhase(
            new FineTuningMethod.LastLayer(), 2.5, new FineTuningMethod.BitFit(false))}) {
      assertThat(FineTuningMethod.recorded(method.cliName(), method.settings())).isEqualTo(method);
    }
  }

  @Test
  void recorded_withoutSettings_takesTheDefaults() {
    assertThat(FineTuningMethod.recorded("two-phase", Map.of()))
        .isEqualTo(FineTuningMethod.parse("two-phase", 1, "full"));
  }
}
