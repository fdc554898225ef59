package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.nn.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;

class DpOverheadTest {

  private static BenchResult result(BenchMethod method, boolean dp, double seconds, double rss) {
    return new BenchResult("m", method, dp, 10, 16, 0, List.of(seconds),
        BenchResult.samplesPerSecond(10, List.of(seconds)), rss, 100, "VmHWM", "sgd", 0,
        Precision.FP32);
  }

  @Test
  void of_pairsEachMethodsDpRunWithItsPlainRun() {
    List<DpOverhead> overheads =
        DpOverhead.of(List.of(
            result(BenchMethod.BITFIT, true, 2.5, 1150),
            result(BenchMethod.BITFIT, false, 2.0, 1000),
            result(BenchMethod.PER_EXAMPLE, true, 40, 900),
            result(BenchMethod.FULL, false, 4.0, 1600)));
    assertThat(overheads).hasSize(1);
    DpOverhead bitfit = overheads.get(0);
    assertThat(bitfit.method()).isEqualTo(BenchMethod.BITFIT);
    // 10/2.5 = 4 samples/s against 10/2 = 5 samples/s
    assertThat(bitfit.throughputRatio()).isCloseTo(0.8, within(1e-12));
    assertThat(bitfit.peakRssRatio()).isCloseTo(1.15, within(1e-12));
  }
}
