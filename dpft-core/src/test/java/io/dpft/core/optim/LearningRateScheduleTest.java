package io.dpft.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.optim.LearningRateSchedule.Decay;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  @Test
  void warmupThenLinearDecay_followsThePiecewiseLinearCurve() {
    LearningRateSchedule s = new LearningRateSchedule(1.0, 4, 14, Decay.LINEAR);
    // warm-up: (step+1)/4
    assertThat(s.at(0)).isCloseTo(0.25, within(1e-12));
    assertThat(s.at(3)).isCloseTo(1.0, within(1e-12));
    // decay over the remaining 10 steps: (10 - (step-4))/10
    assertThat(s.at(4)).isCloseTo(1.0, within(1e-12));
    assertThat(s.at(9)).isCloseTo(0.5, within(1e-12));
    assertThat(s.at(14)).isCloseTo(0.0, within(1e-12));
    assertThat(s.at(100)).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void constantAfterWarmup_staysAtBase() {
    LearningRateSchedule s = new LearningRateSchedule(0.1, 2, 10, Decay.CONSTANT);
    assertThat(s.at(0)).isCloseTo(0.05, within(1e-12));
    assertThat(s.at(9)).isCloseTo(0.1, within(1e-12));
    assertThat(LearningRateSchedule.constant(0.3).at(1000)).isEqualTo(0.3);
  }

  @Test
  void warmupLongerThanTraining_throws() {
    assertThatThrownBy(() -> new LearningRateSchedule(0.1, 11, 10, Decay.LINEAR))
        .hasMessageContaining("warmupSteps must be <= totalSteps");
  }

  @Test
  void nonPositiveRate_throws() {
    assertThatThrownBy(() -> LearningRateSchedule.constant(0)).hasMessageContaining("learningRate");
  }
}
