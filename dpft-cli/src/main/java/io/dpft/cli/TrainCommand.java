package io.dpft.cli;

import io.dpft.cli.report.HtmlReport;
import io.dpft.core.dp.Clipping;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.BertModel;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.models.PretrainedVit;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.ImageClassificationJob;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingConfig;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.BuiltinTextDatasets;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.FashionMnistDataset;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageFiles;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.builtin.HashSplit;
import io.dpft.data.datasets.builtin.SentimentDataset;
import io.dpft.privacy.accounting.AccountantKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft train}: fine-tunes a pretrained encoder on a bundled text-classification dataset,
 * or GPT-2 on table-to-text files ({@code --task causal-lm}, see {@link CausalLmTraining}), with
 * DP at a target ε (σ calibrated first), at a fixed σ, or without DP; resumable.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    header = "Fine-tune a pretrained model for text or image classification or generation, with or"
        + " without DP.",
    description = {
      "Fine-tunes a BERT-family encoder (a bundled name or a Hugging Face directory) with a fresh"
          + " classification head on a bundled dataset or your own files (.csv with a header, or"
          + " .json/.jsonl), and writes a run directory (config.json, metrics.jsonl, checkpoint/,"
          + " report.html).",
      "With --task causal-lm: fine-tunes a GPT-2 directory on an E2E-style table-to-text CSV"
          + " (--data, columns mr and ref).",
      "With --task image-classification: fine-tunes a Hugging Face ViT directory with a fresh"
          + " classifier on --data PATH (an IDX image file with its labels file beside it, a"
          + " CIFAR-10/100 batch or a folder of class sub-folders) or --dataset fashion-mnist;"
          + " images are resized and normalised for the model, gray ones replicated to RGB when"
          + " it needs 3 channels."
    },
    footer = {
      "dpft train --model all-minilm-l6-v2 --dataset sentiment --method bitfit --target-epsilon 8",
      "dpft train --model bge-small-en-v1.5 --dataset spam --method full --no-dp --epochs 1",
      "dpft train --data train.csv --validation-data dev.csv --text-column review"
          + " --label-column stars --target-epsilon 3 --run-dir runs/reviews",
      "dpft train --task causal-lm --model gpt2-dir --data trainset.csv --validation-data"
          + " devset.csv --method bitfit --target-epsilon 3 --run-dir runs/e2e",
      "dpft train --task image-classification --model vit-dir --data train-images-idx3-ubyte.gz"
          + " --target-epsilon 3 --run-dir runs/images",
      "dpft train --run-dir runs/x --resume"
    })
final class TrainCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(names = "--model", paramLabel = "NAME|DIR", defaultValue = "all-minilm-l6-v2",
      description = "all-minilm-l6-v2, bge-small-en-v1.5, or a Hugging Face model directory"
          + " (causal-lm: a GPT-2 directory with tokenizer.json) (default: ${DEFAULT-VALUE})")
  private String model;

  @Option(names = "--task", paramLabel = "TASK", defaultValue = "text-classification",
      converter = TaskKindConverter.class,
      description = "text-classification, causal-lm or image-classification"
          + " (default: ${DEFAULT-VALUE})")
  private TaskKind task;

  @Mixin private DataFileOptions data;

  @Mixin private TextColumnOptions columns;

  @Mixin private CausalLmTraining causalLm;

  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer or two-phase (default: ${DEFAULT-VALUE})")
  private String method;

  @Option(names = "--pooling", paramLabel = "P", defaultValue = "mean",
      converter = PoolingConverter.class,
      description = "text-classification: mean (of the token states) or cls (BERT's pooler over"
          + " the first token; exports as BertForSequenceClassification) (default: ${DEFAULT-VALUE})")
  private BertModel.Pooling pooling;

  @Option(names = "--first-phase-epochs", paramLabel = "E", defaultValue = "1",
      description = "two-phase: epochs of full fine-tuning before BiTFiT (default: ${DEFAULT-VALUE})")
  private double firstPhaseEpochs;

  @ArgGroup(exclusive = true)
  private PrivacyChoice privacy = new PrivacyChoice();

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
  private double delta;

  @Option(names = "--accountant", paramLabel = "A", defaultValue = "rdp",
      converter = AccountantKindConverter.class,
      description = "rdp, prv or gdp (default: ${DEFAULT-VALUE})")
  private AccountantKind accountant;

  @Option(names = "--max-grad-norm", paramLabel = "C", defaultValue = "1.0",
      description = "per-sample clipping threshold C (default: ${DEFAULT-VALUE})")
  private double maxGradNorm;

  @Option(names = "--clipping", paramLabel = "RULE", defaultValue = "abadi",
      description = "abadi (min(1, C/‖g‖)) or automatic (C/(‖g‖+0.01)) (default: ${DEFAULT-VALUE})")
  private String clipping;

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "3",
      description = "passes over the training set (default: ${DEFAULT-VALUE})")
  private double epochs;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "128",
      description = "expected logical batch size; q = B/N (default: ${DEFAULT-VALUE})")
  private int batchSize;

  @Option(names = "--physical-batch-size", paramLabel = "P", defaultValue = "32",
      description = "most examples per forward pass; bounds memory (default: ${DEFAULT-VALUE})")
  private int physicalBatchSize;

  @Option(names = "--lr", paramLabel = "LR", defaultValue = "5e-3",
      description = "peak learning rate of Adam (default: ${DEFAULT-VALUE})")
  private double learningRate;

  @Option(names = "--optimizer", paramLabel = "O", defaultValue = "adam",
      description = "sgd (momentum 0.9), adam or adamw (weight decay 0.01) (default: ${DEFAULT-VALUE})")
  private String optimizer;

  @Option(names = "--sampling", paramLabel = "S", defaultValue = "poisson",
      description = "poisson (what the accountants analyse) or shuffle (fixed batches; the"
          + " privacy accounting then does NOT match) (default: ${DEFAULT-VALUE})")
  private String sampling;

  @Option(names = "--max-length", paramLabel = "T", defaultValue = "64",
      description = "tokens per example after truncation (default: ${DEFAULT-VALUE})")
  private int maxLength;

  @Option(names = "--seed", paramLabel = "N",
      description = "reproducible sampling and noise (NOT private against whoever knows N)")
  private Long seed;

  @Option(names = "--run-dir", paramLabel = "DIR", required = true,
      description = "the run directory to write (or resume)")
  private Path runDirectory;

  @Option(names = "--resume",
      description = "continue the run in --run-dir from its checkpoint with the run's own"
          + " settings (from its config.json) and privacy ledger; options given must match the"
          + " run's, except --physical-batch-size and --checkpoint-every, which may change")
  private boolean resume;

  @Option(names = "--checkpoint-every", paramLabel = "STEPS", defaultValue = "0",
      description = "save a checkpoint every STEPS steps; 0: after every epoch (default)")
  private long checkpointEvery;

  @Option(names = "--omit-batch-statistics",
      description = "leave the training loss, batch size and clipping statistics of each step out"
          + " of metrics.jsonl and the progress bar: they are read from the private training"
          + " batch and NOT covered by ε; with this flag every output of the run is covered")
  private boolean omitBatchStatistics;

  @Option(names = "--config", paramLabel = "FILE",
      description = "read the options from a YAML or JSON file (each flag a key without its"
          + " dashes, e.g. 'epochs: 3'), or from a run's config.json; flags given here override it")
  private Path config;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (config != null) {
      RecordedOptions.fill(spec, RunFile.read(config));
    }
    if (resume) {
      RecordedOptions.adopt(spec, runDirectory, TrainCommand::new);
    }
    data.check();
    FineTuningMethod fineTuning = FineTuningMethod.parse(method, firstPhaseEpochs);
    PrivacyTarget target = privacyTarget();
    TrainingConfig.Sampling batches = parseSampling(sampling);
    OptimizerConfig optimizerConfig = parseOptimizer(optimizer);
    if (batches == TrainingConfig.Sampling.SHUFFLE && !(target instanceof PrivacyTarget.None)) {
      spec.commandLine().getErr().println(
          "warning: --sampling shuffle draws fixed-size batches; the reported ε assumes Poisson"
              + " sampling and does NOT hold for this run");
    }
    FineTuningRun.Settings settings =
        new FineTuningRun.Settings(
            fineTuning, epochs, batchSize, physicalBatchSize, optimizerConfig, learningRate, 0.05,
            target, batches, seed == null ? OptionalLong.empty() : OptionalLong.of(seed),
            new RunOutput(checkpointEvery, !omitBatchStatistics, RecordedOptions.of(spec)));
    double budget = target instanceof PrivacyTarget.TargetEpsilon ? privacy.epsilon : 0;
    ProgressBar progress =
        new ProgressBar(spec.commandLine().getErr(), method, budget, !omitBatchStatistics);
    FineTuningRun.Result result;
    if (task == TaskKind.CAUSAL_LM) {
      result =
          causalLm.run(model, data, maxLength, columns.skipBadRows, spec.commandLine().getErr(),
              settings, runDirectory, resume, progress);
      CausalLmTraining.printScores(out, result);
    } else {
      result =
          task == TaskKind.IMAGE_CLASSIFICATION
              ? trainImages(settings, progress)
              : textClassification(settings, progress);
      out.printf(Locale.ROOT, "validation accuracy %.4f, test accuracy %.4f%n",
          result.validation().get(TextClassificationJob.ACCURACY),
          result.test().get(TextClassificationJob.ACCURACY));
    }
    if (!(target instanceof PrivacyTarget.None)) {
      out.printf(Locale.ROOT, "privacy: (ε = %.4f, δ = %.3g)-DP by %s, σ = %.4f, %d steps%n",
          result.epsilon(), result.delta(), accountant.cliName(), result.noiseMultiplier(),
          result.steps());
      if (!omitBatchStatistics) {
        out.println("note: the training loss and clipping statistics in metrics.jsonl come from"
            + " the private batches and are not covered by ε (--omit-batch-statistics leaves"
            + " them out)");
      }
    }
    out.println("run written to " + runDirectory + " (report: " + HtmlReport.write(runDirectory) + ")");
    return ExitCodes.ofRun(result.completed());
  }

  private FineTuningRun.Result textClassification(
      FineTuningRun.Settings settings, ProgressBar progress) throws IOException {
    String dataset = data.name(SentimentDataset.NAME);
    DatasetSplits<TextDataset> splits =
        data.fromFiles()
            ? data.splits(this::readText, HashSplit::split)
            : BuiltinTextDatasets.load(dataset);
    Path modelDir = PretrainedModels.fromEnvironment().resolve(model);
    TextClassificationJob.Spec job =
        new TextClassificationJob.Spec(
            model, modelDir, dataset, splits, maxLength, pooling);
    return TextClassificationJob.run(job, settings, runDirectory, resume, progress);
  }

  /** A text-classification file; held-out files use the training file's labels. */
  private TextDataset readText(String flag, Path file, TextDataset train) {
    return columns.read(flag, file, columns.options(train == null ? null : train.labels()));
  }

  /**
   * {@code --task image-classification}: a ViT directory and images from {@code --data PATH}
   * (see {@link ImageFiles}) or Fashion-MNIST.
   */
  private FineTuningRun.Result trainImages(FineTuningRun.Settings settings, ProgressBar progress)
      throws IOException {
    String dataset = data.name(FashionMnistDataset.NAME);
    if (!data.fromFiles() && !FashionMnistDataset.NAME.equals(dataset)) {
      throw new IllegalArgumentException("--task image-classification trains on --dataset "
          + FashionMnistDataset.NAME + " or on --data PATH (an IDX image file, a CIFAR-10/100"
          + " batch or a folder of class sub-folders), got --dataset " + dataset);
    }
    if (!spec.commandLine().getParseResult().hasMatchedOption("--model")) {
      throw new IllegalArgumentException("--task image-classification needs --model DIR, a Hugging"
          + " Face ViT directory (config.json, model.safetensors)");
    }
    Path modelDir = PretrainedModels.fromEnvironment().resolve(model);
    ImageTransform transform = PretrainedVit.imageTransform(modelDir);
    DatasetSplits<ImageDataset> images =
        data.fromFiles()
            ? data.splits((flag, file, train) -> readImages(flag, file, train, transform),
                HashSplit::split)
            : FashionMnistDataset.splits(transform);
    ImageClassificationJob.Spec job =
        new ImageClassificationJob.Spec(model, modelDir, dataset, images);
    return ImageClassificationJob.run(job, settings, runDirectory, resume, progress);
  }

  /** An image file or folder; held-out data is matched to the training data's labels by name. */
  private static ImageDataset readImages(
      String flag, Path path, ImageDataset train, ImageTransform transform) {
    try {
      ImageDataset images = ImageFiles.read(path, transform);
      return train == null ? images : images.withLabelNames(train.labels());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }

  private PrivacyTarget privacyTarget() {
    if (privacy.noDp) {
      return new PrivacyTarget.None();
    }
    Clipping rule = parseClipping(clipping);
    if (privacy.noiseMultiplier != null) {
      return new PrivacyTarget.FixedNoise(privacy.noiseMultiplier, delta, maxGradNorm, rule, accountant);
    }
    if (privacy.epsilon == null) {
      privacy.epsilon = 8.0;
    }
    return new PrivacyTarget.TargetEpsilon(privacy.epsilon, delta, maxGradNorm, rule, accountant);
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
