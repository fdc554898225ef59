package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.train.RunManifest;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingListener;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Checks shared by the tests of the task builders ({@link TrainingBuilder}). */
final class BuiltRuns {
  private BuiltRuns() {}

  /**
   * Runs {@code builder} and fails unless the run in {@code runDirectory} completed {@code steps}
   * steps, each reported to the listener, at sample rate {@code sampleRate} on {@code n} examples,
   * and spent what the RDP accountant, run here on the run's σ, gives at the default δ =
   * 1/N^1.1, within {@code targetEpsilon}; its config.json must say the same.
   */
  static FineTuningRun.Result runWithinTarget(TrainingBuilder<?, ?> builder, Path runDirectory,
      int n, double sampleRate, long steps, double targetEpsilon) throws IOException {
    long[] seen = {0};
    FineTuningRun.Result result = builder.listener(new TrainingListener() {
      @Override
      public void onStep(StepReport report) {
        seen[0] = report.step() + 1;
      }
    }).build().run();

    assertThat(seen[0]).isEqualTo(steps);
    assertThat(result.completed()).isTrue();
    assertThat(result.steps()).isEqualTo(steps);
    assertThat(result.delta()).isCloseTo(Math.pow(n, -1.1), within(1e-15));
    double epsilon = new RdpAccountant().epsilon(
        List.of(new MechanismSegment(result.noiseMultiplier(), sampleRate, steps)),
        result.delta()).epsilon();
    assertThat(result.epsilon()).isCloseTo(epsilon, within(1e-9))
        .isGreaterThan(0.5 * targetEpsilon).isLessThanOrEqualTo(targetEpsilon);
    RunManifest.PrivacySettings privacy = RunManifest.read(runDirectory).privacy();
    assertThat(privacy.dp()).isTrue();
    assertThat(privacy.targetEpsilon()).isEqualTo(targetEpsilon);
    assertThat(privacy.noiseMultiplier()).isEqualTo(result.noiseMultiplier());
    assertThat(privacy.sampleRate()).isEqualTo(sampleRate);
    assertThat(privacy.steps()).isEqualTo(steps);
    return result;
  }

  /** Fails unless {@code builder.build()} throws with {@code message}, writing no run directory. */
  static void assertRefusedAtBuild(
      TrainingBuilder<?, ?> builder, Path runDirectory, String message) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThat(runDirectory).doesNotExist();
  }
}
