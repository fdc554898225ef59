package io.dpft.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PoissonKeysTest {
  private static final int N = 200_000;
  private static final double Q = 0.01;

  @Test
  void eachRecordIsIncludedWithRateQIndependentlyAcrossSteps() {
    long runKey = PoissonKeys.runKey(OptionalLong.of(42));
    long k0 = PoissonKeys.stepKey(runKey, 0);
    long k1 = PoissonKeys.stepKey(runKey, 1);
    int first = 0;
    int both = 0;
    for (long id = 0; id < N; id++) {
      boolean a = PoissonKeys.sampled(k0, id, Q);
      first += a ? 1 : 0;
      both += a && PoissonKeys.sampled(k1, id, Q) ? 1 : 0;
    }
    // Binomial(N, q) and, for two independent steps, Binomial(N, q²): within 5 standard deviations
    assertThat(Math.abs(first - N * Q)).isLessThan(5 * Math.sqrt(N * Q * (1 - Q)));
    assertThat(Math.abs(both - N * Q * Q)).isLessThan(5 * Math.sqrt(N * Q * Q));
  }

  @Test
  void theDecisionDependsOnlyOnKeyIdAndRate() {
    long key = PoissonKeys.stepKey(PoissonKeys.runKey(OptionalLong.of(7)), 3);
    assertThat(PoissonKeys.stepKey(PoissonKeys.runKey(OptionalLong.of(7)), 3)).isEqualTo(key);
    for (long id = 0; id < 1000; id++) {
      assertThat(PoissonKeys.sampled(key, id, 1.0)).isTrue();
      assertThat(PoissonKeys.sampled(key, id, 0.0)).isFalse();
      // monotone in q: a record sampled at rate q is sampled at any larger rate
      if (PoissonKeys.sampled(key, id, 0.2)) {
        assertThat(PoissonKeys.sampled(key, id, 0.5)).isTrue();
      }
    }
  }
}
