package io.dpft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dpft tune}: trains one candidate run per combination of the {@code --try} values, all at
 * one noise multiplier σ calibrated so that the candidates together spend at most the target ε
 * (the accountant composes every candidate's steps: choosing the best on the validation split is
 * post-processing of all of them), and reports the candidate with the best validation accuracy.
 */
@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    header = "Try several settings of a private text-classification run within one privacy"
        + " budget, and pick the best on the validation split.",
    description = {
      "Every option not listed below is a dpft train option and applies to every candidate."
          + " The candidates run one after another into RUN_DIR/candidate-K; all use one σ,"
          + " calibrated so that their composition spends at most --target-epsilon. The guarantee"
          + " covers the training data; the validation split that chooses is not protected."
    },
    footer = {
      "dpft tune --dataset spam --train-examples 3600 --target-epsilon 8 --try lr=2e-3,5e-3,1e-2"
          + " --run-dir runs/tune",
      "dpft tune --data train.csv --validation-data dev.csv --method last-layer"
          + " --try batch-size=256,512 --try lr=1e-2,3e-2 --run-dir runs/probe"
    })
final class TuneCommand implements Callable<Integer> {
  /** Options that tune sets for every candidate itself. */
  private static final Set<String> OWN =
      Set.of("--noise-multiplier", "--no-dp", "--resume", "--run-dir", "--target-epsilon",
          "--epsilon", "--delta", "--accountant");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(names = "--try", paramLabel = "OPTION=V1,V2",
      description = "a dpft train option (without --) and the values to try; repeat for a grid"
          + " (default: lr at ½, 1 and 2 times the method's default)")
  private List<String> tries = new ArrayList<>();

  @Option(names = "--target-epsilon", paramLabel = "E", defaultValue = "8",
      description = "the ε all candidates together spend (default: ${DEFAULT-VALUE})")
  private double epsilon;

  @Option(names = "--delta", paramLabel = "D", defaultValue = "0",
      description = "δ of (ε, δ)-DP, below 1/N; 0 means 1/N^1.1 (default)")
  private double delta;

  @Option(names = "--accountant", paramLabel = "A", defaultValue = "rdp",
      converter = AccountantKindConverter.class,
      description = "rdp, prv or gdp (default: ${DEFAULT-VALUE})")
  private AccountantKind accountant;

  @Option(names = "--run-dir", paramLabel = "DIR", required = true,
      description = "the directory of the candidates' run directories and tuning.json")
  private Path runDirectory;

  @Unmatched private List<String> trainOptions = new ArrayList<>();

  /** One candidate: its --try values and its run. */
  private record Candidate(Map<String, String> values, Path runDirectory) {}

  @Override
  public Integer call() throws IOException {
    PrivacyChecks.epsilon("targetEpsilon", epsilon);
    for (String option : trainOptions) {
      if (OWN.contains(option.split("=", 2)[0])) {
        throw new IllegalArgumentException(
            option + " is set by dpft tune for every candidate; leave it out (the budget is"
                + " --target-epsilon for all candidates together)");
      }
    }
    int n = train(List.of(), Path.of("unused"), 1.0).textTrainingSetSize();
    double d = PrivacyTarget.resolveDelta(delta, n);
    List<Candidate> candidates = new ArrayList<>();
    List<SamplingSchedule> schedules = new ArrayList<>();
    for (Map<String, String> values : TuningGrid.of(tries, defaultLearningRate(n))) {
      Path dir = runDirectory.resolve("candidate-" + (candidates.size() + 1));
      FineTuningRun.Settings settings =
          train(args(values), dir, 1.0).settings().completedFor(n);
      double q = SamplingSchedule.sampleRate(settings.logicalBatchSize(), n);
      schedules.add(SamplingSchedule.ofEpochs(q, settings.epochs()));
      candidates.add(new Candidate(values, dir));
    }
    double sigma =
        NoiseCalibrator.calibrate(accountant.create(), epsilon, d, schedules).noiseMultiplier();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "dpft tune: %d candidates on %d examples, each at σ = %.4f so that"
        + " together they spend ε ≤ %s (δ = %.3g, %s)%n", candidates.size(), n, sigma, epsilon, d,
        accountant.cliName());

    List<Map<String, Object>> rows = new ArrayList<>();
    List<MechanismSegment> spent = new ArrayList<>();
    Candidate best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (Candidate c : candidates) {
      out.println("candidate " + c.runDirectory().getFileName() + ": " + c.values());
      FineTuningRun.Result result = train(args(c.values()), c.runDirectory(), sigma).run();
      spent.addAll(TrainingCheckpoint.readState(
          c.runDirectory().resolve(RunManifest.CHECKPOINT)).ledger());
      double score = result.validation().get(TextClassificationJob.ACCURACY);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("run_dir", c.runDirectory().toString());
      row.put("values", c.values());
      row.put("validation_accuracy", score);
      row.put("test_accuracy", result.test().get(TextClassificationJob.ACCURACY));
      row.put("epsilon_alone", result.epsilon());
      rows.add(row);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    double total = accountant.create().epsilon(spent, d).epsilon();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("noise_multiplier", sigma);
    summary.put("delta", d);
    summary.put("accountant", accountant.cliName());
    summary.put("target_epsilon", epsilon);
    summary.put("total_epsilon", total);
    summary.put("selected", best.runDirectory().toString());
    summary.put("candidates", rows);
    AtomicFiles.writeBytes(runDirectory.resolve("tuning.json"), JSON.writeValueAsBytes(summary));
    out.printf(Locale.ROOT, "selected %s %s: validation accuracy %.4f%n",
        best.runDirectory(), best.values(), bestScore);
    out.printf(Locale.ROOT, "privacy: all %d candidates together (ε = %.4f, δ = %.3g)-DP by %s;"
        + " the validation split that chose is not covered%n", candidates.size(), total, d,
        accountant.cliName());
    return 0;
  }

  /** The learning rate the method's recipe gives, the centre of the default grid. */
  private double defaultLearningRate(int n) {
    return train(List.of(), Path.of("unused"), 1.0).settings().completedFor(n).learningRate();
  }

  /** {@code --OPTION VALUE} for each tried value. */
  private static List<String> args(Map<String, String> values) {
    List<String> args = new ArrayList<>();
    values.forEach((option, value) -> args.addAll(List.of("--" + option, value)));
    return args;
  }

  /**
   * A train command over the shared options (those tried replaced by the {@code tried} values),
   * one run directory and σ.
   */
  private TrainCommand train(List<String> tried, Path dir, double sigma) {
    TrainCommand command = new TrainCommand();
    CommandLine line = new CommandLine(command);
    line.setOut(spec.commandLine().getOut());
    line.setErr(spec.commandLine().getErr());
    Set<String> replaced = new HashSet<>();
    for (int i = 0; i < tried.size(); i += 2) {
      replaced.add(tried.get(i));
    }
    List<String> args = new ArrayList<>();
    for (int i = 0; i < trainOptions.size(); i++) {
      String option = trainOptions.get(i);
      if (replaced.contains(option)) {
        i++; // and its value
      } else if (!replaced.contains(option.split("=", 2)[0])) {
        args.add(option);
      }
    }
    args.addAll(tried);
    args.addAll(List.of("--run-dir", dir.toString(), "--noise-multiplier", Double.toString(sigma),
        "--accountant", accountant.cliName()));
    if (delta > 0) {
      args.addAll(List.of("--delta", Double.toString(delta)));
    }
    try {
      line.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return command;
  }
}
