package io.dpft.cli;

import static io.dpft.cli.PrivacyReport.number;

import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.PrivacyLedger;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code dpft quickstart}, until training lands: a walkthrough of the privacy accounting a
 * fine-tuning run on the bundled defaults would do. It calibrates σ for the target ε with RDP,
 * records the epochs in a {@link PrivacyLedger} and reads the ε spent after each epoch from every
 * accountant. It will be replaced by the real fine-tuning run.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    header = "Walk through the privacy accounting of a run on bundled defaults.",
    description = {
      "Walks through the privacy accounting of a DP fine-tuning run on the bundled defaults:"
          + " N = 2,400 examples, logical batch 64, 3 epochs, target ε = 8 at δ = 1/N^1.1.",
      "Training is not yet available in this build; this command will become the real run."
    },
    footer = "dpft quickstart")
final class QuickstartCommand implements Callable<Integer> {
  /** Examples in the bundled sentiment task. */
  static final long DATASET_SIZE = 2_400;

  /** Logical (expected) batch size. */
  static final long BATCH_SIZE = 64;

  static final int EPOCHS = 3;
  static final double TARGET_EPSILON = 8;

  /** δ = 1/N^1.1: below 1/N, so a mechanism that leaks one whole example is not (ε, δ)-DP. */
  static final double DELTA_EXPONENT = 1.1;

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    out.println("dpft quickstart: the privacy accounting of a DP fine-tuning run, step by step.");
    out.println(
        "Training is not yet available in this build: no model is trained, no data is read.");
    out.println();

    double sampleRate = SamplingSchedule.sampleRate(BATCH_SIZE, DATASET_SIZE);
    SamplingSchedule schedule = SamplingSchedule.ofEpochs(sampleRate, EPOCHS);
    double delta = Math.pow(DATASET_SIZE, -DELTA_EXPONENT);
    out.printf(
        Locale.ROOT, "1. Data: N = %,d examples (the bundled sentiment task).%n", DATASET_SIZE);
    out.printf(
        Locale.ROOT,
        "2. Sampling: logical batch B = %d, so each step takes every example with probability%n"
            + "   q = B/N = %s (Poisson sampling); %d epochs are T = floor(%d/q) = %d steps.%n",
        BATCH_SIZE,
        number(sampleRate, 6),
        EPOCHS,
        EPOCHS,
        schedule.steps());
    out.printf(
        Locale.ROOT,
        "3. Privacy target: ε = %s at δ = 1/N^%s = %s.%n",
        number(TARGET_EPSILON, 6),
        number(DELTA_EXPONENT, 3),
        number(delta, 4));
    out.println("4. Calibrating the noise multiplier σ with the RDP accountant ...");
    out.flush();
    Calibration calibration =
        NoiseCalibrator.calibrate(
            AccountantKind.RDP.create(), TARGET_EPSILON, delta, sampleRate, schedule.steps());
    double noiseMultiplier = calibration.noiseMultiplier();
    out.printf(
        Locale.ROOT,
        "   σ = %s, the smallest noise multiplier with ε ≤ %s;%n   RDP: ε = %s.%n",
        number(noiseMultiplier, 6),
        number(TARGET_EPSILON, 6),
        PrivacyReport.epsilonText(calibration.achieved()));
    out.printf(
        Locale.ROOT,
        "5. ε spent after each epoch at δ = %s, by each accountant (PRV with its bounds):%n",
        number(delta, 4));
    out.flush();
    printEpochs(out, noiseMultiplier, sampleRate, delta);
    out.println(
        "   RDP and PRV's upper bound are guarantees; GDP is a central-limit approximation");
    out.println("   that can understate ε when the steps are few or σ is small.");
    out.println();
    out.println("Training is not yet available in this build. When it lands, `dpft quickstart`");
    out.println("will fine-tune a model on this task with DP-SGD at this σ and q.");
    out.flush();
    return 0;
  }

  /** One row per epoch: cumulative steps and the ε each accountant reads from the ledger. */
  private static void printEpochs(
      PrintWriter out, double noiseMultiplier, double sampleRate, double delta) {
    List<List<String>> table = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("epoch", "steps"));
    Arrays.stream(AccountantKind.values()).map(AccountantKind::cliName).forEach(header::add);
    table.add(header);
    PrivacyLedger ledger = new PrivacyLedger();
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
      long stepsSoFar = SamplingSchedule.ofEpochs(sampleRate, epoch).steps();
      ledger.record(noiseMultiplier, sampleRate, stepsSoFar - ledger.totalSteps());
      List<String> row =
          new ArrayList<>(List.of(Integer.toString(epoch), Long.toString(stepsSoFar)));
      for (AccountantKind kind : AccountantKind.values()) {
        row.add(shortEpsilon(kind.create().epsilon(ledger.history(), delta)));
      }
      table.add(row);
    }
    int[] widths = new int[header.size()];
    table.forEach(
        row -> {
          for (int i = 0; i < row.size(); i++) {
            widths[i] = Math.max(widths[i], row.get(i).length());
          }
        });
    for (List<String> row : table) {
      StringBuilder line = new StringBuilder("  ");
      for (int i = 0; i < row.size(); i++) {
        line.append("  ").append(row.get(i)).append(" ".repeat(widths[i] - row.get(i).length()));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** ε, and for PRV its bounds: {@code 7.52 [7.49, 7.55]}. */
  private static String shortEpsilon(PrivacyLoss loss) {
    String epsilon = number(loss.epsilon(), 4);
    if (loss instanceof PrivacyLoss.Prv) {
      PrivacyLoss.Prv prv = (PrivacyLoss.Prv) loss;
      return epsilon
          + " ["
          + number(prv.epsilonLower(), 4)
          + ", "
          + number(prv.epsilonUpper(), 4)
          + "]";
    }
    return epsilon;
  }
}
