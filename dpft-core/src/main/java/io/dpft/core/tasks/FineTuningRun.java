package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.nn.Module;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingListener;
import io.dpft.core.train.TrainingTask;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The task-independent part of a fine-tuning run: σ calibration for a target ε, the run
 * directory's {@code config.json} ({@link RunManifest}), {@code metrics.jsonl} with a validation
 * evaluation before training and after every epoch, a checkpoint after every epoch and at the end,
 * resumption with the same privacy ledger, and the final test evaluation. A task's job
 * ({@link TextClassificationJob}, the causal-LM and image jobs) loads its model and data and hands
 * them here.
 */
public final class FineTuningRun {

  /** How to train, whatever the task and model. */
  public record Settings(
      FineTuningMethod method,
      double epochs,
      int logicalBatchSize,
      int physicalBatchSize,
      OptimizerConfig optimizer,
      double learningRate,
      double warmupFraction,
      PrivacyTarget privacy,
      TrainingConfig.Sampling sampling,
      OptionalLong seed) {
    public Settings {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(optimizer, "optimizer");
      Objects.requireNonNull(privacy, "privacy");
      Objects.requireNonNull(sampling, "sampling");
      Objects.requireNonNull(seed, "seed");
      if (physicalBatchSize < 1) {
        throw new IllegalArgumentException(
            "physicalBatchSize must be at least 1, got " + physicalBatchSize);
      }
    }
  }

  /**
   * What is trained, as {@code config.json} records it so that {@code eval} and {@code predict}
   * can rebuild the model: {@code labels} empty and {@code pooling} "" where the task has none.
   */
  public record Subject(
      String modelName,
      Path modelDirectory,
      TaskKind task,
      String datasetName,
      List<String> labels,
      int maxLength,
      String pooling,
      Map<String, Integer> datasetSizes) {
    public Subject {
      Objects.requireNonNull(modelName, "modelName");
      Objects.requireNonNull(modelDirectory, "modelDirectory");
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(datasetName, "datasetName");
      Objects.requireNonNull(pooling, "pooling");
      labels = List.copyOf(labels);
      datasetSizes = Collections.unmodifiableMap(new LinkedHashMap<>(datasetSizes));
    }
  }

  /** {@link Subject#datasetSizes()} of a run with the usual three splits. */
  public static Map<String, Integer> splitSizes(int train, int validation, int test) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("train", train);
    sizes.put("validation", validation);
    sizes.put("test", test);
    return sizes;
  }

  /** Scores the model on one held-out split, by name (e.g. "accuracy", "bleu"), in a stable order. */
  @FunctionalInterface
  public interface Evaluation {
    Map<String, Double> scores();
  }

  /**
   * What a run achieved: validation scores before training (empty on resume) and after, test
   * scores, and the privacy it spent (ε, δ, σ 0 without DP).
   */
  public record Result(
      Map<String, Double> zeroTraining,
      Map<String, Double> validation,
      Map<String, Double> test,
      double epsilon,
      double delta,
      double noiseMultiplier,
      long steps,
      boolean completed) {}

  private FineTuningRun() {}

  /**
   * Trains {@code model} on {@code task} into {@code runDirectory}. With {@code resume}, continues
   * from the directory's checkpoint with the same privacy ledger and sampler; otherwise writes a
   * fresh {@code config.json}.
   *
   * @param headPrefix parameter-name prefix of the task head (what {@code last-layer} trains)
   * @throws IllegalArgumentException if {@code resume} is set and the directory has no
   *     checkpoint, or is not set and the directory already holds a run
   */
  public static <B> Result run(
      Module model,
      String headPrefix,
      TrainingTask<B> task,
      Evaluation validation,
      Evaluation test,
      Subject subject,
      Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress)
      throws IOException {
    Path checkpoint = runDirectory.resolve(RunManifest.CHECKPOINT);
    if (resume && !Files.isDirectory(checkpoint)) {
      throw new IllegalArgumentException(
          "cannot resume: " + checkpoint + " does not exist (was the run started with this run"
              + " directory?)");
    }
    if (!resume && Files.exists(runDirectory.resolve(RunManifest.FILE))) {
      throw new IllegalArgumentException(
          "run directory " + runDirectory + " already holds a run (" + RunManifest.FILE
              + "): continue it with --resume, or choose another run directory");
    }
    Files.createDirectories(runDirectory);
    double sampleRate = SamplingSchedule.sampleRate(settings.logicalBatchSize(), task.size());
    long steps = SamplingSchedule.ofEpochs(sampleRate, settings.epochs()).steps();
    ResolvedPrivacy privacy = ResolvedPrivacy.of(settings.privacy(), task.size(), sampleRate, steps);
    TrainingConfig config =
        new TrainingConfig(
            settings.method(),
            headPrefix,
            settings.epochs(),
            settings.logicalBatchSize(),
            settings.optimizer(),
            settings.learningRate(),
            settings.warmupFraction(),
            privacy.privacy,
            settings.sampling(),
            settings.seed());
    if (!resume) {
      manifest(subject, settings, privacy, sampleRate, steps).write(runDirectory);
    }

    try (MetricsLog metrics = new MetricsLog(runDirectory.resolve(MetricsLog.FILE));
        Trainer<B> trainer = new Trainer<>(model, task, config)) {
      Map<String, Double> zeroTraining = resume ? Map.of() : evaluate("validation", validation, metrics);
      if (resume) {
        TrainingCheckpoint.resume(checkpoint, model, trainer);
      }
      long stepsPerEpoch = Math.max(1, Math.round(1 / sampleRate));
      TrainingListener both =
          new TrainingListener() {
            @Override
            public void onPhase(int phase, FineTuningMethod method, long phaseSteps) {
              progress.onPhase(phase, method, phaseSteps);
            }

            @Override
            public void onStep(StepReport report) {
              metrics.onStep(report);
              progress.onStep(report);
              long done = report.step() + 1;
              if (done % stepsPerEpoch == 0 && done < report.totalSteps()) {
                evaluate("validation", validation, metrics);
                save(checkpoint, model, trainer);
              }
            }

            @Override
            public void onStop(String reason) {
              progress.onStop(reason);
            }
          };
      boolean completed = trainer.run(both);
      Map<String, Double> validated = evaluate("validation", validation, metrics);
      Map<String, Double> tested = evaluate("test", test, metrics);
      save(checkpoint, model, trainer);
      return new Result(
          zeroTraining,
          validated,
          tested,
          trainer.epsilonSpent(),
          privacy.delta,
          privacy.noiseMultiplier,
          trainer.ledger().totalSteps() > 0 ? trainer.ledger().totalSteps() : trainer.step(),
          completed);
    }
  }

  private static Map<String, Double> evaluate(String split, Evaluation evaluation, MetricsLog metrics) {
    Map<String, Double> scores = evaluation.scores();
    metrics.onEval(split, scores);
    return scores;
  }

  private static void save(Path checkpoint, Module model, Trainer<?> trainer) {
    try {
      TrainingCheckpoint.save(checkpoint, model, trainer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save checkpoint " + checkpoint, e);
    }
  }

  /** The privacy of a run after calibration: σ and δ as they will be used. */
  private static final class ResolvedPrivacy {
    final Privacy privacy;
    final double noiseMultiplier;
    final double delta;
    /** The ε budget the run stops at; 0 when only σ was given (no budget). */
    final double targetEpsilon;

    private ResolvedPrivacy(
        Privacy privacy, double noiseMultiplier, double delta, double targetEpsilon) {
      this.privacy = privacy;
      this.noiseMultiplier = noiseMultiplier;
      this.delta = delta;
      this.targetEpsilon = targetEpsilon;
    }

    static ResolvedPrivacy of(PrivacyTarget target, int n, double sampleRate, long steps) {
      if (target instanceof PrivacyTarget.TargetEpsilon) {
        PrivacyTarget.TargetEpsilon t = (PrivacyTarget.TargetEpsilon) target;
        double delta = t.delta() > 0 ? t.delta() : PrivacyTarget.defaultDelta(n);
        double sigma =
            NoiseCalibrator.calibrate(t.accountant().create(), t.epsilon(), delta, sampleRate, steps)
                .noiseMultiplier();
        DpSgdConfig dp =
            new DpSgdConfig(sigma, t.clipping(), new ClippingStyle.AllLayer(t.maxGradNorm()));
        return new ResolvedPrivacy(
            new Privacy.Private(dp, delta, t.accountant(), t.epsilon()), sigma, delta, t.epsilon());
      }
      if (target instanceof PrivacyTarget.FixedNoise) {
        PrivacyTarget.FixedNoise f = (PrivacyTarget.FixedNoise) target;
        double delta = f.delta() > 0 ? f.delta() : PrivacyTarget.defaultDelta(n);
        DpSgdConfig dp =
            new DpSgdConfig(
                f.noiseMultiplier(), f.clipping(), new ClippingStyle.AllLayer(f.maxGradNorm()));
        return new ResolvedPrivacy(
            new Privacy.Private(dp, delta, f.accountant(), Double.POSITIVE_INFINITY),
            f.noiseMultiplier(),
            delta,
            0);
      }
      return new ResolvedPrivacy(new Privacy.NonPrivate(), 0, 0, 0);
    }
  }

  private static RunManifest manifest(
      Subject subject,
      Settings settings,
      ResolvedPrivacy privacy,
      double sampleRate,
      long steps) {
    String seeded =
        settings.seed().isPresent() ? "seeded(" + settings.seed().getAsLong() + ")" : "secure";
    RunManifest.PrivacySettings privacySettings;
    if (privacy.privacy instanceof Privacy.Private) {
      Privacy.Private p = (Privacy.Private) privacy.privacy;
      privacySettings =
          new RunManifest.PrivacySettings(
              true,
              privacy.targetEpsilon,
              privacy.delta,
              p.accountant().cliName(),
              privacy.noiseMultiplier,
              p.dpSgd().style().sensitivity(),
              p.dpSgd().clipping() instanceof Clipping.Abadi ? "abadi" : "automatic",
              sampleRate,
              steps,
              settings.sampling() == TrainingConfig.Sampling.POISSON
                  ? "poisson, " + seeded
                  : "shuffle (NOT what the accounting assumes), " + seeded,
              seeded);
    } else {
      privacySettings =
          new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", sampleRate, steps, seeded, "");
    }
    return new RunManifest(
        subject.modelName(),
        subject.modelDirectory().toString(),
        subject.task().cliName(),
        subject.datasetName(),
        subject.labels(),
        subject.maxLength(),
        subject.pooling(),
        settings.method().cliName(),
        settings.epochs(),
        settings.logicalBatchSize(),
        settings.physicalBatchSize(),
        settings.optimizer().getClass().getSimpleName().toLowerCase(Locale.ROOT),
        settings.learningRate(),
        privacySettings,
        subject.datasetSizes(),
        RunManifest.currentVersions());
  }
}
