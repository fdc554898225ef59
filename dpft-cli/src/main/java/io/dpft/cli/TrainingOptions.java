package io.dpft.cli;

import io.dpft.core.dp.Clipping;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.Precision;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.ClippingGranularity;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.BuiltinTextDatasets;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.HashSplit;
import io.dpft.data.datasets.builtin.SentimentDataset;
import io.dpft.privacy.accounting.AccountantKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * What a training run is, as {@code dpft train} and {@code dpft audit} take it: the model, task
 * and data, the fine-tuning method, the privacy target and the optimization, the run directory
 * and its outputs; and the library settings they make.
 */
final class TrainingOptions {
  /** The target ε when none is given. */
  static final double DEFAULT_EPSILON = 8.0;

  @Option(names = "--model", paramLabel = "NAME|DIR", defaultValue = "all-minilm-l6-v2",
      description = "all-minilm-l6-v2, bge-small-en-v1.5, or a Hugging Face model directory"
          + " (causal-lm: a GPT-2 directory with tokenizer.json) (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--task", paramLabel = "TASK", defaultValue = "text-classification",
      converter = TaskKindConverter.class,
      description = "text-classification, causal-lm or image-classification"
          + " (default: ${DEFAULT-VALUE})")
  TaskKind task;

  @Mixin DataFileOptions data;

  @Mixin TextColumnOptions columns;

  @Mixin CausalLmTraining causalLm;

  @Mixin MethodOptions method;

  @Option(names = "--pooling", paramLabel = "P", defaultValue = "mean",
      converter = PoolingConverter.class,
      description = "text-classification: mean (of the token states) or cls (BERT's pooler over"
          + " the first token; exports as BertForSequenceClassification) (default: ${DEFAULT-VALUE})")
  BertModel.Pooling pooling;

  @ArgGroup(exclusive = true)
  PrivacyChoice privacy = new PrivacyChoice();

  static final class PrivacyChoice {
    @Option(names = "--target-epsilon", paramLabel = "E",
        description = "target ε; σ is calibrated for the whole run (default: 8)")
    Double epsilon;

    @Option(names = "--epsilon", paramLabel = "E", hidden = true)
    void epsilon(double target) {
      epsilon = target;
    }

    @Option(names = "--noise-multiplier", paramLabel = "S",
        description = "train with noise multiplier σ and report the ε spent")
    Double noiseMultiplier;

    @Option(names = "--no-dp", description = "train without differential privacy (a baseline)")
    boolean noDp;
  }

  @Option(names = "--delta", paramLabel = "D", defaultValue = "0",
      description = "δ of (ε, δ)-DP, in (0, 1); 0 means 1/N^1.1 (default)")
  double delta;

  @Option(names = "--accountant", paramLabel = "A", defaultValue = "rdp",
      converter = AccountantKindConverter.class,
      description = "rdp, prv or gdp (default: ${DEFAULT-VALUE})")
  AccountantKind accountant;

  @Option(names = "--max-grad-norm", paramLabel = "C", defaultValue = "1.0",
      description = "per-sample clipping threshold C (default: ${DEFAULT-VALUE})")
  double maxGradNorm;

  @Option(names = "--clipping", paramLabel = "RULE", defaultValue = "abadi",
      description = "abadi (min(1, C/‖g‖)) or automatic (C/(‖g‖+0.01)) (default: ${DEFAULT-VALUE})")
  String clipping;

  @Option(names = "--clipping-style", paramLabel = "S", defaultValue = "all-layer",
      description = "all-layer (one norm, clipped to C), layer-wise (one per layer, each to C/√L)"
          + " or group-wise (one per role the method trains: head, LoRA matrices, biases, other"
          + " weights; each of k to C/√k); the total stays C (default: ${DEFAULT-VALUE})")
  String clippingStyle;

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "0",
      description = "passes over the training set (default, 0: from N, DP and the method: 3"
          + " without DP; with DP 3 to 10 as fit in 20,000 example passes, 50 for last-layer)")
  double epochs;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "0",
      description = "expected logical batch size; q = B/N (default, 0: 128 without DP, about"
          + " 4·√N with DP, in 64..1024 and at most N/4)")
  int batchSize;

  @Option(names = "--physical-batch-size", paramLabel = "P", defaultValue = "32",
      description = "most examples per forward pass; bounds memory (default: ${DEFAULT-VALUE})")
  int physicalBatchSize;

  @Option(names = "--lr", paramLabel = "LR", defaultValue = "0",
      description = "peak learning rate of Adam (default, 0: by method: 5e-4 full, 5e-3 bitfit"
          + " and two-phase, 1e-2 last-layer)")
  double learningRate;

  @Option(names = "--optimizer", paramLabel = "O", defaultValue = "adam",
      description = "sgd (momentum 0.9), adam or adamw (weight decay 0.01) (default: ${DEFAULT-VALUE})")
  String optimizer;

  @Option(names = "--sampling", paramLabel = "S", defaultValue = "poisson",
      description = "poisson (what the accountants analyse) or shuffle (fixed batches; the"
          + " privacy accounting then does NOT match) (default: ${DEFAULT-VALUE})")
  String sampling;

  @Option(names = "--train-examples", paramLabel = "N",
      description = "text-classification: train on N examples drawn at random from the training"
          + " split (seeded by --seed, else 0): a smaller private dataset, for small-data studies")
  Integer trainExamples;

  @Option(names = "--max-length", paramLabel = "T", defaultValue = "64",
      description = "tokens per example after truncation (default: ${DEFAULT-VALUE})")
  int maxLength;

  @Option(names = "--seed", paramLabel = "N",
      description = "reproducible sampling and noise (NOT private against whoever knows N)")
  Long seed;

  @Option(names = "--run-dir", paramLabel = "DIR", required = true,
      description = "the run directory to write (or resume)")
  Path runDirectory;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "0",
      description = "save a checkpoint every STEPS steps; 0: after every epoch (default)")
  long checkpointEvery;

  @Option(names = "--precision", paramLabel = "P", defaultValue = "fp32",
      description = "fp32, or bf16: linear layers' products in bfloat16 with"
          + " float32 accumulation (parameters, per-sample gradients and norms, clipping, noise"
          + " and the optimizer stay float32), on CPUs with AVX512_BF16 or AMX-BF16; elsewhere"
          + " fp32, with a note (default: ${DEFAULT-VALUE})")
  String precision;

  @Option(names = "--omit-batch-statistics",
      description = "leave the training loss, batch size and clipping statistics of each step out"
          + " of metrics.jsonl and the progress bar: they are read from the private training"
          + " batch and NOT covered by ε; with this flag every output of the run is covered")
  boolean omitBatchStatistics;


  /** The library settings of these options; {@code spec} is the command, recorded in the run. */
  FineTuningRun.Settings settings(CommandSpec spec) {
    data.check();
    FineTuningMethod fineTuning = method.fineTuningMethod();
    PrivacyTarget target = privacyTarget();
    TrainingConfig.Sampling batches = parseSampling(sampling);
    OptimizerConfig optimizerConfig = parseOptimizer(optimizer);
    if (batches == TrainingConfig.Sampling.SHUFFLE && !(target instanceof PrivacyTarget.None)) {
      spec.commandLine().getErr().println(
          "warning: --sampling shuffle draws fixed-size batches; the reported ε assumes Poisson"
              + " sampling and does NOT hold for this run");
    }
    return new FineTuningRun.Settings(
        fineTuning, epochs, batchSize, physicalBatchSize, optimizerConfig, learningRate, 0.05,
        target, batches, seed == null ? OptionalLong.empty() : OptionalLong.of(seed),
        new RunOutput(checkpointEvery, !omitBatchStatistics, RecordedOptions.of(spec)),
        Precision.parse(precision));
  }

  /** The ε budget the progress bar shows: the target ε, 0 without one. */
  double epsilonBudget() {
    return privacyTarget() instanceof PrivacyTarget.TargetEpsilon t ? t.epsilon() : 0;
  }

  /**
   * The number of training examples N of a text-classification run with these options.
   *
   * @throws IllegalArgumentException for another task
   */
  int textTrainingSetSize() throws IOException {
    if (task != TaskKind.TEXT_CLASSIFICATION) {
      throw new IllegalArgumentException(
          "--task " + task.cliName() + " is not supported here: only text-classification");
    }
    data.check();
    return textClassification().data().train().size();
  }

  /** The model and data of a text-classification run, --train-examples applied. */
  TextClassificationJob.Spec textClassification() throws IOException {
    String dataset = data.name(SentimentDataset.NAME);
    DatasetSplits<TextDataset> splits =
        data.fromFiles()
            ? data.splits(this::readText, HashSplit::split)
            : BuiltinTextDatasets.load(dataset);
    if (trainExamples != null) {
      splits =
          new DatasetSplits<>(
              splits.train().sample(trainExamples, seed == null ? 0 : seed),
              splits.validation(),
              splits.test());
    }
    Path modelDir = PretrainedModels.fromEnvironment().resolve(model);
    return new TextClassificationJob.Spec(
        model, modelDir, dataset, splits, maxLength, pooling);
  }

  /** A text-classification file; held-out files use the training file's labels. */
  private TextDataset readText(String flag, Path file, TextDataset train) {
    return columns.read(flag, file, columns.options(train == null ? null : train.labels()));
  }

  private PrivacyTarget privacyTarget() {
    if (privacy.noDp) {
      return new PrivacyTarget.None();
    }
    Clipping rule = parseClipping(clipping);
    ClippingGranularity style = ClippingGranularity.parse(clippingStyle);
    if (privacy.noiseMultiplier != null) {
      return new PrivacyTarget.FixedNoise(
          privacy.noiseMultiplier, delta, maxGradNorm, rule, accountant, style);
    }
    return new PrivacyTarget.TargetEpsilon(
        privacy.epsilon == null ? DEFAULT_EPSILON : privacy.epsilon, delta, maxGradNorm, rule,
        accountant, style);
  }

  static Clipping parseClipping(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "abadi":
        return new Clipping.Abadi();
      case "automatic":
        return new Clipping.Automatic();
      default:
        throw new IllegalArgumentException("clipping must be abadi or automatic, got '" + name + "'");
    }
  }

  static TrainingConfig.Sampling parseSampling(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "poisson":
        return TrainingConfig.Sampling.POISSON;
      case "shuffle":
        return TrainingConfig.Sampling.SHUFFLE;
      default:
        throw new IllegalArgumentException("sampling must be poisson or shuffle, got '" + name + "'");
    }
  }

  static OptimizerConfig parseOptimizer(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "sgd":
        return new OptimizerConfig.Sgd(0.9, 0);
      case "adam":
        return OptimizerConfig.Adam.defaults();
      case "adamw":
        return OptimizerConfig.AdamW.defaults();
      default:
        throw new IllegalArgumentException("optimizer must be sgd, adam or adamw, got '" + name + "'");
    }
  }
}
