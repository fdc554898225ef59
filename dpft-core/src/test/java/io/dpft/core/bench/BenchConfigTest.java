package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchConfigTest {

  private static BenchConfig config(List<BenchMethod> methods, List<Boolean> dp, int steps) {
    return new BenchConfig("m", methods, dp, 8, 16, steps, 0, 1.0, 1.0, 0, BenchOptimizer.SGD, 0,
        Precision.FP32);
  }

  @Test
  void cases_runMethodByMethodAndSkipPerExampleWithoutDp() {
    assertThat(config(List.of(BenchMethod.PER_EXAMPLE, BenchMethod.LAST_LAYER),
            List.of(false, true), 1).cases())
        .containsExactly(
            new BenchConfig.Case(BenchMethod.PER_EXAMPLE, true),
            new BenchConfig.Case(BenchMethod.LAST_LAYER, false),
            new BenchConfig.Case(BenchMethod.LAST_LAYER, true));
  }

  @Test
  void perExampleOnlyWithoutDp_throws() {
    assertThatThrownBy(() -> config(List.of(BenchMethod.PER_EXAMPLE), List.of(false), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("per-example runs only with DP");
  }

  @Test
  void steps_zero_throws() {
    assertThatThrownBy(() -> config(List.of(BenchMethod.FULL), List.of(true), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("steps");
  }

  @Test
  void parse_unknownMethod_namesTheChoices() {
    assertThat(BenchMethod.parse(" BitFit ")).isEqualTo(BenchMethod.BITFIT);
    assertThat(BenchMethod.parse("bitfit+lora")).isEqualTo(BenchMethod.BITFIT_LORA);
    assertThatThrownBy(() -> BenchMethod.parse("prefix-tuning"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("full, bitfit, last-layer, lora, bitfit+lora, adapter, reversible, side, per-example")
        .hasMessageContaining("'prefix-tuning'");
  }

  @Test
  void dropoutOutsideZeroToOne_throws() {
    assertThatThrownBy(() -> new BenchConfig("m", List.of(BenchMethod.FULL), List.of(true), 8, 16,
            1, 0, 1.0, 1.0, 0, BenchOptimizer.SGD, 1.0, Precision.FP32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dropout must be in [0, 1), got 1.0");
  }
}
