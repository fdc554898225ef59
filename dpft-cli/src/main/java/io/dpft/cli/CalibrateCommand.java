package io.dpft.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft calibrate}: the smallest noise multiplier σ whose ε after T steps at sampling rate q
 * stays within a target ε at δ, by {@link NoiseCalibrator}, and the ε it achieves.
 */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    header = "Find the smallest noise multiplier σ for a target (ε, δ).",
    description =
        "Prints the smallest noise multiplier σ that keeps DP-SGD within a target (ε, δ), and"
            + " the ε it achieves.",
    footer = {
      "dpft calibrate --target-epsilon 3 --delta 1e-5 \\",
      "    --batch-size 256 --dataset-size 50000 --epochs 10"
    })
final class CalibrateCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(
      names = "--target-epsilon",
      paramLabel = "EPS",
      required = true,
      order = 1,
      description =
          "privacy budget ε to stay within, > 0 (natural-log scale: e^ε bounds the"
              + " likelihood ratio)")
  private double targetEpsilon;

  @Mixin private SamplingOptions sampling;
  @Mixin private PrivacyOptions privacy;
  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    SamplingSchedule schedule = sampling.schedule();
    Calibration calibration =
        NoiseCalibrator.calibrate(
            privacy.accountant.create(),
            PrivacyChecks.epsilon("targetEpsilon", targetEpsilon),
            privacy.delta(),
            schedule.sampleRate(),
            schedule.steps());
    PrivacyReport report =
        new PrivacyReport(
            privacy.accountant, calibration.noiseMultiplier(), schedule, calibration.achieved());
    ObjectNode json = report.toJson().put("target_epsilon", targetEpsilon);
    List<String> text = new ArrayList<>();
    text.add(
        "smallest σ with ε ≤ "
            + PrivacyReport.number(targetEpsilon, 6)
            + ": σ = "
            + PrivacyReport.number(calibration.noiseMultiplier(), 6));
    text.addAll(report.toText());
    output.print(spec.commandLine().getOut(), json, text);
    return 0;
  }
}
