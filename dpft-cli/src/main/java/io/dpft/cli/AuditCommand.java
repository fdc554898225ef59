package io.dpft.cli;

import io.dpft.cli.report.HtmlReport;
import io.dpft.core.tasks.AuditFile;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextClassificationAudit;
import io.dpft.privacy.audit.AuditResult;
import io.dpft.privacy.audit.AuditSettings;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft audit}: one training run with {@code dpft train}'s options plus random-label
 * canaries, and the lower bound on ε it shows ({@link TextClassificationAudit}).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    header = "Check a claimed ε empirically in one training run (canaries).",
    description = {
      "Trains as dpft train does, with M canaries (training examples given a random other"
          + " label) each included in the training set with probability 1/2; then guesses the"
          + " canaries with the lowest loss as included and those with the highest as excluded,"
          + " and bounds ε from below from the number of right guesses (Steinke, Nasr and"
          + " Jagielski, \"Privacy auditing with one (1) training run\", NeurIPS 2023). An honest"
          + " run's bound exceeds its claimed ε with probability at most 1 - confidence.",
      "Writes the run directory as dpft train does, plus " + AuditFile.FILE + "; report.html"
          + " gets an audit section. Text classification only.",
      "Exit code 0: the bound is within the claimed ε (or the run is not private); 3: the bound"
          + " exceeds the claimed ε."
    },
    footer = {
      "dpft audit --model all-minilm-l6-v2 --dataset sentiment --method bitfit --epsilon 8"
          + " --run-dir runs/audit-eps8",
      "dpft audit --no-dp --canaries 500 --guesses 50 --run-dir runs/audit-nodp --json"
    })
final class AuditCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;
  @Mixin private TrainingOptions training;
  @Mixin private OutputOptions output;

  @Option(names = "--canaries", paramLabel = "M", defaultValue = "1000",
      description = "canaries drawn from the training data (default: ${DEFAULT-VALUE})")
  private int canaries;

  @Option(names = "--guesses", paramLabel = "K",
      description = "canaries guessed included, and as many guessed excluded (default: M/20)")
  private Integer guesses;

  @Option(names = "--confidence", paramLabel = "C", defaultValue = "0.95",
      description = "confidence of the lower bound, in (0, 1) (default: ${DEFAULT-VALUE})")
  private double confidence;

  @Override
  public Integer call() throws IOException {
    if (training.task != TaskKind.TEXT_CLASSIFICATION) {
      throw new IllegalArgumentException("dpft audit inserts its canaries into text-classification"
          + " data, got --task " + training.task.cliName() + ": use --task text-classification");
    }
    AuditSettings audit =
        new AuditSettings(
            canaries, guesses == null ? AuditSettings.defaultGuesses(canaries) : guesses,
            confidence);
    FineTuningRun.Settings settings = training.settings(spec);
    ProgressBar progress =
        new ProgressBar(spec.commandLine().getErr(), training.method.name, training.epsilonBudget(),
            !training.omitBatchStatistics);
    TextClassificationAudit.Outcome outcome =
        TextClassificationAudit.run(
            training.textClassification(), settings, audit, training.runDirectory, progress);
    AuditResult result = outcome.audit();
    HtmlReport.write(training.runDirectory);
    output.print(
        spec.commandLine().getOut(),
        AuditFile.toJson(result).put("runDirectory", training.runDirectory.toString()),
        text(result));
    return result.refutesClaim() ? ExitCodes.AUDIT_REFUTED : ExitCodes.OK;
  }

  private List<String> text(AuditResult result) {
    String bound =
        String.format(Locale.ROOT, "audited lower bound ε̂ = %.3f at %.0f%% confidence (δ = %.3g)",
            result.epsilonLowerBound(), 100 * result.confidence(), result.delta());
    String verdict =
        result.claimedEpsilon().isEmpty()
            ? "the run is not private: it claims no ε"
            : String.format(Locale.ROOT, "claimed ε = %.3f: %s", result.claimedEpsilon().getAsDouble(),
                result.refutesClaim()
                    ? "the bound EXCEEDS the claim: the run leaks more than its accounting allows"
                    : "within the claim");
    return List.of(
        String.format(Locale.ROOT, "canaries %d, guesses %d, correct %d",
            result.guesses().canaries(), result.guesses().guesses(), result.guesses().correct()),
        bound,
        verdict,
        "run written to " + training.runDirectory + " (" + AuditFile.FILE + ", "
            + HtmlReport.FILE + ")");
  }
}
