package io.dpft.core.tasks;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
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
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.metrics.ConfusionMatrix;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Fine-tunes a pretrained BERT-family encoder with a fresh classification head on a text
 * classification dataset, privately or not, and leaves a run directory: {@code config.json}
 * ({@link RunManifest}), {@code metrics.jsonl} (a validation evaluation before training and after
 * every epoch), {@code checkpoint/}. The one call behind {@code dpft train} and
 * {@code dpft quickstart}.
 */
public final class TextClassificationJob {

  /** Everything a run needs; {@code modelDirectory} is a converted Hugging Face directory. */
  public record Spec(
      String modelName,
      Path modelDirectory,
      String datasetName,
      DatasetSplits<TextDataset> data,
      int maxLength,
      BertModel.Pooling pooling,
      FineTuningMethod method,
      double epochs,
      int logicalBatchSize,
      int physicalBatchSize,
      OptimizerConfig optimizer,
      double learningRate,
      double warmupFraction,
      PrivacyTarget privacy,
      TrainingConfig.Sampling sampling,
      OptionalLong seed) {}

  /** What a run achieved: accuracy before and after training, and the privacy it spent. */
  public record Result(
      double zeroTrainingAccuracy,
      double validationAccuracy,
      double testAccuracy,
      double epsilon,
      double delta,
      double noiseMultiplier,
      long steps,
      boolean completed) {}

  private TextClassificationJob() {}

  /**
   * Runs {@code spec} into {@code runDirectory}. With {@code resume}, continues from the
   * directory's checkpoint (saved after every epoch) with the same privacy ledger and sampler.
   */
  public static Result run(Spec spec, Path runDirectory, boolean resume, TrainingListener progress)
      throws IOException {
    Path checkpoint = runDirectory.resolve(RunManifest.CHECKPOINT);
    if (resume && !Files.isDirectory(checkpoint)) {
      throw new IllegalArgumentException(
          "cannot resume: " + checkpoint + " does not exist (was the run started with this run"
              + " directory?)");
    }
    Files.createDirectories(runDirectory);
    List<String> labels = spec.data().train().labels().names();
    try (TextTokenizer tokenizer =
            TextTokenizer.load(
                spec.modelDirectory().resolve("tokenizer.json"),
                TokenizerOptions.truncating(spec.maxLength()));
        BertModel model =
            PretrainedBert.load(
                    spec.modelDirectory(),
                    BertModel.Options.sequenceClassification(labels.size(), spec.pooling()))
                .model()) {
      EncodedTextDataset train = EncodedTextDataset.encode(spec.data().train(), tokenizer);
      EncodedTextDataset validation = EncodedTextDataset.encode(spec.data().validation(), tokenizer);
      EncodedTextDataset test = EncodedTextDataset.encode(spec.data().test(), tokenizer);
      SequenceClassificationTask task =
          new SequenceClassificationTask(
              model, train, spec.physicalBatchSize(), tokenizer.padId(), spec.seed().orElse(0));

      double sampleRate = SamplingSchedule.sampleRate(spec.logicalBatchSize(), train.size());
      long steps = SamplingSchedule.ofEpochs(sampleRate, spec.epochs()).steps();
      ResolvedPrivacy privacy = resolve(spec.privacy(), train.size(), sampleRate, steps);
      TrainingConfig config =
          new TrainingConfig(
              spec.method(),
              "classifier",
              spec.epochs(),
              spec.logicalBatchSize(),
              spec.optimizer(),
              spec.learningRate(),
              spec.warmupFraction(),
              privacy.privacy,
              spec.sampling(),
              spec.seed());
      if (!resume) {
        manifest(spec, labels, privacy, sampleRate, steps, train, validation, test)
            .write(runDirectory);
      }

      try (MetricsLog metrics = new MetricsLog(runDirectory.resolve(MetricsLog.FILE));
          Trainer<TextBatch> trainer = new Trainer<>(model, task, config)) {
        double zeroTraining = resume ? Double.NaN : evaluate(task, validation, metrics);
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
                  evaluate(task, validation, metrics);
                  save(checkpoint, model, trainer);
                }
              }

              @Override
              public void onStop(String reason) {
                progress.onStop(reason);
              }
            };
        boolean completed = trainer.run(both);
        double validationAccuracy = evaluate(task, validation, metrics);
        double testAccuracy = task.evaluate(test).accuracy();
        metrics.onEval("test", Map.of("accuracy", testAccuracy));
        save(checkpoint, model, trainer);
        return new Result(
            zeroTraining,
            validationAccuracy,
            testAccuracy,
            trainer.epsilonSpent(),
            privacy.delta,
            privacy.noiseMultiplier,
            trainer.ledger().totalSteps() > 0 ? trainer.ledger().totalSteps() : trainer.step(),
            completed);
      }
    }
  }

  private static void save(Path checkpoint, BertModel model, Trainer<TextBatch> trainer) {
    try {
      TrainingCheckpoint.save(checkpoint, model, trainer);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot save checkpoint " + checkpoint, e);
    }
  }

  private static double evaluate(
      SequenceClassificationTask task, EncodedTextDataset validation, MetricsLog metrics) {
    ConfusionMatrix m = task.evaluate(validation);
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("accuracy", m.accuracy());
    values.put("f1", m.numClasses() == 2 ? m.binaryF1() : m.macroF1());
    values.put("mcc", m.mcc());
    metrics.onEval("validation", values);
    return m.accuracy();
  }

  /** The privacy of a run after calibration: σ and δ as they will be used. */
  private static final class ResolvedPrivacy {
    final Privacy privacy;
    final double noiseMultiplier;
    final double delta;
    final double targetEpsilon;
    final PrivacyTarget target;

    ResolvedPrivacy(
        Privacy privacy, double noiseMultiplier, double delta, double targetEpsilon,
        PrivacyTarget target) {
      this.privacy = privacy;
      this.noiseMultiplier = noiseMultiplier;
      this.delta = delta;
      this.targetEpsilon = targetEpsilon;
      this.target = target;
    }
  }

  private static ResolvedPrivacy resolve(
      PrivacyTarget target, int n, double sampleRate, long steps) {
    if (target instanceof PrivacyTarget.None) {
      return new ResolvedPrivacy(new Privacy.NonPrivate(), 0, 0, 0, target);
    }
    double delta;
    double sigma;
    double budget;
    double maxGradNorm;
    Clipping clipping;
    AccountantKind accountant;
    if (target instanceof PrivacyTarget.TargetEpsilon) {
      PrivacyTarget.TargetEpsilon t = (PrivacyTarget.TargetEpsilon) target;
      delta = t.delta() > 0 ? t.delta() : PrivacyTarget.defaultDelta(n);
      Calibration c =
          NoiseCalibrator.calibrate(t.accountant().create(), t.epsilon(), delta, sampleRate, steps);
      sigma = c.noiseMultiplier();
      budget = t.epsilon();
      maxGradNorm = t.maxGradNorm();
      clipping = t.clipping();
      accountant = t.accountant();
    } else {
      PrivacyTarget.FixedNoise f = (PrivacyTarget.FixedNoise) target;
      delta = f.delta() > 0 ? f.delta() : PrivacyTarget.defaultDelta(n);
      sigma = f.noiseMultiplier();
      budget = Double.POSITIVE_INFINITY;
      maxGradNorm = f.maxGradNorm();
      clipping = f.clipping();
      accountant = f.accountant();
    }
    DpSgdConfig dp = new DpSgdConfig(sigma, clipping, new ClippingStyle.AllLayer(maxGradNorm));
    return new ResolvedPrivacy(
        new Privacy.Private(dp, delta, accountant, budget),
        sigma,
        delta,
        Double.isInfinite(budget) ? 0 : budget,
        target);
  }

  private static RunManifest manifest(
      Spec spec,
      List<String> labels,
      ResolvedPrivacy privacy,
      double sampleRate,
      long steps,
      EncodedTextDataset train,
      EncodedTextDataset validation,
      EncodedTextDataset test) {
    String seeded = spec.seed().isPresent() ? "seeded(" + spec.seed().getAsLong() + ")" : "secure";
    RunManifest.PrivacySettings settings;
    if (privacy.privacy instanceof Privacy.Private) {
      Privacy.Private p = (Privacy.Private) privacy.privacy;
      settings =
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
              spec.sampling() == TrainingConfig.Sampling.POISSON
                  ? "poisson, " + seeded
                  : "shuffle (NOT what the accounting assumes), " + seeded,
              seeded);
    } else {
      settings =
          new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", sampleRate, steps, seeded, "");
    }
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("train", train.size());
    sizes.put("validation", validation.size());
    sizes.put("test", test.size());
    return new RunManifest(
        spec.modelName(),
        spec.modelDirectory().toString(),
        TaskKind.TEXT_CLASSIFICATION.cliName(),
        spec.datasetName(),
        labels,
        spec.maxLength(),
        spec.pooling().name().toLowerCase(java.util.Locale.ROOT),
        spec.method().cliName(),
        spec.epochs(),
        spec.logicalBatchSize(),
        spec.physicalBatchSize(),
        spec.optimizer().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT),
        spec.learningRate(),
        settings,
        sizes,
        RunManifest.currentVersions());
  }
}
