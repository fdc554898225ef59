package io.dpft.cli;

import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft account}: the ε that T steps of the Poisson-subsampled Gaussian mechanism with noise
 * multiplier σ and sampling rate q spend at a given δ, by one accountant.
 *
 * <p>DP-SGD and the mechanism: Abadi et al., "Deep Learning with Differential Privacy", CCS 2016.
 * The accountants are the library's: Rényi DP (Mironov, CSF 2017; Mironov, Talwar and Zhang,
 * 2019), privacy random variables (Gopi, Lee and Wutschitz, NeurIPS 2021) and Gaussian DP (Dong,
 * Roth and Su, JRSS-B 2022).
 */
@Command(
    name = "account",
    mixinStandardHelpOptions = true,
    header = "Print the privacy loss ε of DP-SGD for given σ, q and steps.",
    description =
        "Prints the privacy loss ε of DP-SGD at a given δ: T steps of the Poisson-subsampled"
            + " Gaussian mechanism with noise multiplier σ and sampling rate q.",
    footer = "dpft account --noise-multiplier 1.1 --sample-rate 0.01 --epochs 30 --delta 1e-5")
final class AccountCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(
      names = "--noise-multiplier",
      paramLabel = "S",
      required = true,
      order = 1,
      description =
          "noise multiplier σ: the Gaussian noise's standard deviation in units of the"
              + " clipping norm C, > 0")
  private double noiseMultiplier;

  @Mixin private SamplingOptions sampling;
  @Mixin private PrivacyOptions privacy;
  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    SamplingSchedule schedule = sampling.schedule();
    MechanismSegment segment =
        new MechanismSegment(noiseMultiplier, schedule.sampleRate(), schedule.steps());
    PrivacyLoss loss = privacy.accountant.create().epsilon(List.of(segment), privacy.delta());
    PrivacyReport report = new PrivacyReport(privacy.accountant, noiseMultiplier, schedule, loss);
    output.print(spec.commandLine().getOut(), report.toJson(), report.toText());
    return 0;
  }
}
