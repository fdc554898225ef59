package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.Privacy;
import io.dpft.core.train.RemoteClipping;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.RunFailedException;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.Trainer;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.core.train.TrainingConfig;
import io.dpft.core.train.TrainingDivergedException;
import io.dpft.core.train.TrainingListener;
import io.dpft.core.train.TrainingTask;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import org.bytedeco.pytorch.global.torch;

/**
 * The task-independent part of a fine-tuning run: σ calibration for a target ε, the run
 * directory's {@code config.json} ({@link RunManifest}), {@code metrics.jsonl} with a validation
 * evaluation before training and after every epoch, checkpoints (after every epoch or every
 * {@link RunOutput#checkpointInterval} steps, and at the end), resumption with the run's own
 * settings and privacy ledger, and the final test evaluation. A task's job
 * ({@link TextClassificationJob}, the causal-LM and image jobs) first {@link #open opens} the run
 * directory (locked for the run's duration), then loads its model and data and hands them here.
 */
public final class FineTuningRun {

  /**
   * How to train, whatever the task and model. A logical batch size, epochs or learning rate of
   * 0 is taken from the {@link Recipe} for the training set's size, the privacy and the method.
   * {@code precision} is asked for: the run uses what {@link Precision#onThisCpu} allows.
   */
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
      OptionalLong seed,
      RunOutput output,
      Precision precision) {
    public Settings {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(precision, "precision");
      Objects.requireNonNull(optimizer, "optimizer");
      Objects.requireNonNull(privacy, "privacy");
      Objects.requireNonNull(sampling, "sampling");
      Objects.requireNonNull(seed, "seed");
      if (physicalBatchSize < 1) {
        throw new IllegalArgumentException(
            "physicalBatchSize must be at least 1, got " + physicalBatchSize);
      }
      fromRecipeIfZero("epochs", epochs);
      fromRecipeIfZero("logicalBatchSize", logicalBatchSize);
      fromRecipeIfZero("learningRate", learningRate);
      PrivacyChecks.halfOpenUnitInterval("warmupFraction", warmupFraction);
    }

    private static void fromRecipeIfZero(String name, double value) {
      if (!(value >= 0 && Double.isFinite(value))) {
        throw new IllegalArgumentException(
            name + " must be >= 0 (0: taken from the recipe), got " + value);
      }
    }

    /** The names (as config.json writes them) of the values left to the recipe. */
    List<String> derived() {
      List<String> names = new ArrayList<>();
      if (logicalBatchSize == 0) {
        names.add("logical_batch_size");
      }
      if (epochs == 0) {
        names.add("epochs");
      }
      if (learningRate == 0) {
        names.add("learning_rate");
      }
      return names;
    }

    /**
     * These settings for a training set of {@code n} examples: the values left to the recipe
     * taken from {@link Recipe#of}.
     */
    public Settings completedFor(int n) {
      return with(Recipe.of(n, !(privacy instanceof PrivacyTarget.None), method));
    }

    private Settings with(Recipe recipe) {
      return new Settings(
          method,
          epochs == 0 ? recipe.epochs() : epochs,
          logicalBatchSize == 0 ? recipe.logicalBatchSize() : logicalBatchSize,
          physicalBatchSize,
          optimizer,
          learningRate == 0 ? recipe.learningRate() : learningRate,
          warmupFraction,
          privacy,
          sampling,
          seed,
          output,
          precision);
    }
  }

  /**
   * What is trained, as {@code config.json} records it so that {@code eval} and {@code predict}
   * can rebuild the model: {@code labels} empty and {@code pooling} "" where the task has none;
   * {@code skippedRows}: malformed rows left out of each split (skip-bad-rows), empty if none.
   */
  public record Subject(
      String modelName,
      Path modelDirectory,
      TaskKind task,
      String datasetName,
      List<String> labels,
      int maxLength,
      String pooling,
      Map<String, Integer> datasetSizes,
      Map<String, Long> skippedRows) {
    public Subject {
      Objects.requireNonNull(modelName, "modelName");
      Objects.requireNonNull(modelDirectory, "modelDirectory");
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(datasetName, "datasetName");
      Objects.requireNonNull(pooling, "pooling");
      labels = List.copyOf(labels);
      datasetSizes = Collections.unmodifiableMap(new LinkedHashMap<>(datasetSizes));
      skippedRows = Collections.unmodifiableMap(new LinkedHashMap<>(skippedRows));
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

  /** {@link Subject#skippedRows()} of a run with the usual three splits, leaving out zeros. */
  public static Map<String, Long> skippedRows(long train, long validation, long test) {
    Map<String, Long> skipped = new LinkedHashMap<>();
    skipped.put("train", train);
    skipped.put("validation", validation);
    skipped.put("test", test);
    skipped.values().removeIf(n -> n == 0);
    return skipped;
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
   * Locks {@code runDirectory} (creating it) for one run, before the job loads anything, and
   * seeds the initialisation of fresh parameters (a new task head) when the settings are seeded.
   *
   * @throws IllegalArgumentException if the directory cannot be written, or {@code resume} is set
   *     and it holds no run, or is not set and it already holds one
   * @throws RunFailedException if another run holds the directory
   */
  public static RunDirectoryLock open(Path runDirectory, boolean resume, Settings settings)
      throws IOException {
    if (resume && !Files.isDirectory(runDirectory)) {
      throw new IllegalArgumentException(
          "cannot resume: run directory " + runDirectory + " does not exist");
    }
    RunDirectoryLock lock = RunDirectoryLock.acquire(runDirectory);
    boolean holdsRun = Files.exists(runDirectory.resolve(RunManifest.FILE));
    if (resume != holdsRun) {
      lock.close();
      throw new IllegalArgumentException(
          resume
              ? "cannot resume: " + runDirectory + " holds no run (" + RunManifest.FILE
                  + " is missing; was the run started with this run directory?)"
              : "run directory " + runDirectory + " already holds a run (" + RunManifest.FILE
                  + "): resume must be set to continue it, or choose another run directory");
    }
    settings.seed().ifPresent(torch::manual_seed);
    return lock;
  }

  /**
   * Trains {@code model} on {@code task} into the run directory that {@code lock} holds. With
   * {@code resume}, continues from the directory's checkpoint (from step 0 if the run died before
   * its first one) with the run's privacy ledger, sampler and σ; the settings must be the run's
   * own ({@link RunManifest#changesTo}). Otherwise writes a fresh {@code config.json}.
   *
   * @param headPrefix parameter-name prefix of the task head (what {@code last-layer} trains)
   * @throws IllegalArgumentException if a resumed run's settings differ from the stored ones, or
   *     its checkpoint is damaged or stopped for good
   * @throws RunFailedException if the loss or gradients stop being finite (the step taken stays
   *     charged in the checkpoint's ledger, whose parameters are kept) or a checkpoint cannot be
   *     written
   */
  public static <B> Result run(
      Module model,
      String headPrefix,
      TrainingTask<B> task,
      Evaluation validation,
      Evaluation test,
      Subject subject,
      Settings settings,
      RunDirectoryLock lock,
      boolean resume,
      TrainingListener progress)
      throws IOException {
    return run(model, headPrefix, task, validation, test, subject, settings, lock, resume,
        progress, null);
  }

  /**
   * As {@link #run(Module, String, TrainingTask, Evaluation, Evaluation, Subject, Settings,
   * RunDirectoryLock, boolean, TrainingListener)}, with each step's clipped sums computed by
   * {@code remote} (DP only; null: by this process on {@code task}), which holds the same
   * examples as {@code task}; {@code config.json} records where ({@code executors}).
   */
  public static <B> Result run(
      Module model,
      String headPrefix,
      TrainingTask<B> task,
      Evaluation validation,
      Evaluation test,
      Subject subject,
      Settings settings,
      RunDirectoryLock lock,
      boolean resume,
      TrainingListener progress,
      RemoteClipping remote)
      throws IOException {
    if (remote != null && remote.size() != task.size()) {
      throw new IllegalArgumentException("the remote clipping holds " + remote.size()
          + " examples, the task " + task.size());
    }
    List<String> derived = settings.derived();
    settings = settings.completedFor(task.size());
    Path runDirectory = lock.directory();
    Path checkpoint = runDirectory.resolve(RunManifest.CHECKPOINT);
    RunManifest stored = resume ? RunManifest.read(runDirectory) : null;
    double sampleRate = SamplingSchedule.sampleRate(settings.logicalBatchSize(), task.size());
    long steps = SamplingSchedule.ofEpochs(sampleRate, settings.epochs()).steps();
    FineTuningMethod method = settings.method();
    ResolvedPrivacy privacy =
        ResolvedPrivacy.of(settings.privacy(), task.size(), sampleRate, steps, stored,
            (granularity, c) -> granularity.style(c, model, method, headPrefix));
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
    Precision precision = Precision.onThisCpu(settings.precision());
    RunManifest planned =
        manifest(subject, settings, privacy, sampleRate, steps, derived,
            remote == null ? "" : remote.executors(), precision);
    if (stored != null) {
      List<String> changes = stored.changesTo(planned);
      if (!changes.isEmpty()) {
        throw new IllegalArgumentException(
            "cannot resume " + runDirectory + " with other settings than it was started with: "
                + String.join("; ", changes) + " (its settings are in " + RunManifest.FILE
                + "); resume with the run's own settings, or start a new run directory");
      }
    }
    planned.write(runDirectory);
    model.setPrecision(precision);

    progress.onStart(summary(settings, derived, task.size(), privacy, precision));
    boolean fromCheckpoint = resume && Files.isDirectory(checkpoint);
    try (Trainer<?> trainer =
            remote == null ? new Trainer<>(model, task, config)
                : Trainer.remote(model, remote, config);
        MetricsLog metrics =
            MetricsLog.open(
                runDirectory.resolve(MetricsLog.FILE),
                fromCheckpoint ? resumed(checkpoint, model, trainer) : 0,
                settings.output().batchStatistics())) {
      Map<String, Double> zeroTraining =
          fromCheckpoint ? Map.of() : evaluate("validation", validation, metrics);
      long stepsPerEpoch = Math.max(1, Math.round(1 / sampleRate));
      long interval =
          settings.output().checkpointInterval() > 0
              ? settings.output().checkpointInterval()
              : stepsPerEpoch;
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
              }
              if (done % interval == 0 && done < report.totalSteps()) {
                save(checkpoint, trainer);
              }
            }

            @Override
            public void onStop(String reason) {
              progress.onStop(reason);
            }
          };
      boolean completed;
      try {
        completed = trainer.run(both);
      } catch (TrainingDivergedException e) {
        metrics.onStopped(trainer.step(), trainer.epsilonSpent(), e.getMessage());
        TrainingCheckpoint.markStopped(checkpoint, trainer, e.getMessage());
        throw e;
      }
      Map<String, Double> validated = evaluate("validation", validation, metrics);
      Map<String, Double> tested = evaluate("test", test, metrics);
      save(checkpoint, trainer);
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

  /** The line a run starts with: what it trains, on how much data, with which settings. */
  private static String summary(Settings settings, List<String> derived, int n,
      ResolvedPrivacy privacy, Precision precision) {
    String privately =
        privacy.privacy instanceof Privacy.Private
            ? String.format(Locale.ROOT, ", σ = %.4g (δ = %.3g)", privacy.noiseMultiplier,
                privacy.delta)
            : ", no DP";
    return String.format(
        Locale.ROOT,
        "%s on %d examples: batch size %d%s, %s epochs%s, learning rate %s%s%s%s",
        settings.method().cliName(),
        n,
        settings.logicalBatchSize(),
        derived.contains("logical_batch_size") ? " (default for N)" : "",
        new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT))
            .format(settings.epochs()),
        derived.contains("epochs") ? " (default for N)" : "",
        settings.learningRate(),
        derived.contains("learning_rate") ? " (default for the method)" : "",
        privately,
        precision == Precision.BF16 ? ", linear products in bf16" : "");
  }

  /** Resumes {@code trainer} from {@code checkpoint}; returns the step it goes on from. */
  private static long resumed(Path checkpoint, Module model, Trainer<?> trainer)
      throws IOException {
    TrainingCheckpoint.resume(checkpoint, model, trainer);
    return trainer.step();
  }

  private static Map<String, Double> evaluate(String split, Evaluation evaluation, MetricsLog metrics) {
    Map<String, Double> scores = evaluation.scores();
    metrics.onEval(split, scores);
    return scores;
  }

  private static void save(Path checkpoint, Trainer<?> trainer) {
    try {
      TrainingCheckpoint.save(checkpoint, trainer);
    } catch (IOException e) {
      throw new RunFailedException(
          "cannot save checkpoint " + checkpoint + " after step " + trainer.step() + ": "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "; the run stopped, its last saved checkpoint is intact: free the space (or fix"
              + " the cause) and resume",
          e);
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

    /**
     * {@code target} resolved for {@code n} training examples; σ is calibrated for a target ε,
     * or taken from {@code stored}, the run being resumed (null for a new run), when it was
     * private: a resumed run goes on with the σ it started with.
     */
    static ResolvedPrivacy of(PrivacyTarget target, int n, double sampleRate, long steps,
        RunManifest stored, BiFunction<ClippingGranularity, Double, ClippingStyle> styles) {
      if (target instanceof PrivacyTarget.TargetEpsilon t) {
        double delta = PrivacyTarget.resolveDelta(t.delta(), n);
        double sigma =
            stored != null && stored.privacy().dp()
                ? stored.privacy().noiseMultiplier()
                : NoiseCalibrator.calibrate(
                        t.accountant().create(), t.epsilon(), delta, sampleRate, steps)
                    .noiseMultiplier();
        DpSgdConfig dp = new DpSgdConfig(sigma, t.clipping(), styles.apply(t.granularity(), t.maxGradNorm()));
        return new ResolvedPrivacy(
            new Privacy.Private(dp, delta, t.accountant(), t.epsilon()), sigma, delta, t.epsilon());
      }
      if (target instanceof PrivacyTarget.FixedNoise f) {
        double delta = PrivacyTarget.resolveDelta(f.delta(), n);
        DpSgdConfig dp = new DpSgdConfig(
            f.noiseMultiplier(), f.clipping(), styles.apply(f.granularity(), f.maxGradNorm()));
        return new ResolvedPrivacy(
            new Privacy.Private(dp, delta, f.accountant(), Double.POSITIVE_INFINITY),
            f.noiseMultiplier(),
            delta,
            0);
      }
      return new ResolvedPrivacy(new Privacy.NonPrivate(), 0, 0, 0);
    }
  }

  /** The {@link ClippingGranularity} name of {@code style}, as config.json records it. */
  private static String styleName(ClippingStyle style) {
    return (style instanceof ClippingStyle.AllLayer ? ClippingGranularity.ALL_LAYER
        : style instanceof ClippingStyle.LayerWise ? ClippingGranularity.LAYER_WISE
        : ClippingGranularity.GROUP_WISE).cliName();
  }

  private static RunManifest manifest(
      Subject subject,
      Settings settings,
      ResolvedPrivacy privacy,
      double sampleRate,
      long steps,
      List<String> derived,
      String executors,
      Precision precisionUsed) {
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
              // C as asked: a group-wise style's √(k·(C/√k)²) may round below it
              settings.privacy() instanceof PrivacyTarget.TargetEpsilon t
                  ? t.maxGradNorm() : ((PrivacyTarget.FixedNoise) settings.privacy()).maxGradNorm(),
              p.dpSgd().clipping() instanceof Clipping.Abadi ? "abadi" : "automatic",
              styleName(p.dpSgd().style()),
              sampleRate,
              steps,
              settings.sampling() == TrainingConfig.Sampling.POISSON
                  ? "poisson, " + seeded
                  : "shuffle (NOT what the accounting assumes), " + seeded,
              seeded);
    } else {
      privacySettings =
          new RunManifest.PrivacySettings(
              false, 0, 0, "", 0, 0, "", "", sampleRate, steps, seeded, "");
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
        settings.method().settings(),
        settings.epochs(),
        settings.logicalBatchSize(),
        settings.physicalBatchSize(),
        settings.optimizer().getClass().getSimpleName().toLowerCase(Locale.ROOT),
        settings.learningRate(),
        privacySettings,
        subject.datasetSizes(),
        subject.skippedRows(),
        RunManifest.currentVersions(),
        new RunManifest.Optimization(
            settings.warmupFraction(),
            settings.method() instanceof FineTuningMethod.TwoPhase two ? two.firstEpochs() : 0,
            optimizerSettings(settings.optimizer()),
            derived),
        settings.output(),
        executors,
        settings.precision().cliName(),
        precisionUsed.cliName());
  }

  /** The optimizer's hyperparameters by name (its record components). */
  private static Map<String, Double> optimizerSettings(OptimizerConfig optimizer) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (var component : optimizer.getClass().getRecordComponents()) {
      try {
        Number value = (Number) component.getAccessor().invoke(optimizer);
        out.put(component.getName(), value.doubleValue());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + component, e);
      }
    }
    return out;
  }
}
