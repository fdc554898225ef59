package io.dpft.cli;

import io.dpft.cli.report.HtmlReport;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.models.PretrainedVit;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.ImageClassificationJob;
import io.dpft.core.tasks.PrivacyTarget;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.FashionMnistDataset;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageFiles;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.builtin.HashSplit;
import io.dpft.spark.SparkExecutors;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
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
      "dpft train --dataset sentiment --method bitfit --target-epsilon 8 --spark 'local[2]'"
          + " --run-dir runs/spark",
      "dpft train --run-dir runs/x --resume"
    })
final class TrainCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Mixin private TrainingOptions training;

  @Option(names = "--resume",
      description = "continue the run in --run-dir from its checkpoint with the run's own"
          + " settings (from its config.json) and privacy ledger; options given must match the"
          + " run's, except --physical-batch-size and --checkpoint-every, which may change;"
          + " --spark is not taken from the run: give it again to resume on Spark")
  private boolean resume;

  @Option(names = "--spark", paramLabel = "MASTER",
      description = "text-classification with DP: compute each step's clipped gradient sums on"
          + " Spark executors (local[N], local-cluster[W,C,M] or spark://host:port); sampling,"
          + " noise, privacy ledger, checkpoints and evaluation stay in this process, as without"
          + " --spark (full, bitfit or last-layer; all-layer abadi clipping)")
  private String sparkMaster;

  @Option(names = "--config", paramLabel = "FILE",
      description = "read the options from a YAML or JSON file (each flag a key without its"
          + " dashes, e.g. 'epochs: 3'), or from a run's config.json; flags given here override it")
  private Path config;

  @Override
  public Integer call() throws IOException {
    return ExitCodes.ofRun(run().completed());
  }

  /** The settings these options describe (values left to the recipe are 0). */
  FineTuningRun.Settings settings() {
    return training.settings(spec);
  }

  /** N of a text-classification run with these options (see {@link TrainingOptions}). */
  int textTrainingSetSize() throws IOException {
    return training.textTrainingSetSize();
  }

  /** Trains (or resumes) the run these options describe, printing its results. */
  FineTuningRun.Result run() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (config != null) {
      RecordedOptions.fill(spec, RunFile.read(config));
    }
    if (resume) {
      RecordedOptions.adopt(spec, training.runDirectory, TrainCommand::new);
    }
    if (sparkMaster != null && training.task != TaskKind.TEXT_CLASSIFICATION) {
      throw new IllegalArgumentException("--spark trains --task text-classification only, got"
          + " --task " + training.task.cliName() + ": leave --spark out");
    }
    FineTuningRun.Settings settings = training.settings(spec);
    ProgressBar progress =
        new ProgressBar(spec.commandLine().getErr(), training.method.name, training.epsilonBudget(),
            !training.omitBatchStatistics);
    FineTuningRun.Result result;
    if (training.task == TaskKind.CAUSAL_LM) {
      result =
          training.causalLm.run(training.model, training.data, training.maxLength,
              training.columns.skipBadRows, spec.commandLine().getErr(), settings,
              training.runDirectory, resume, progress);
      CausalLmTraining.printScores(out, result);
    } else {
      result =
          training.task == TaskKind.IMAGE_CLASSIFICATION
              ? trainImages(settings, progress)
              : trainText(settings, progress);
      out.printf(Locale.ROOT, "validation accuracy %.4f, test accuracy %.4f%n",
          result.validation().get(TextClassificationJob.ACCURACY),
          result.test().get(TextClassificationJob.ACCURACY));
    }
    if (!(settings.privacy() instanceof PrivacyTarget.None)) {
      out.printf(Locale.ROOT, "privacy: (ε = %.4f, δ = %.3g)-DP by %s, σ = %.4f, %d steps%n",
          result.epsilon(), result.delta(), training.accountant.cliName(),
          result.noiseMultiplier(), result.steps());
      if (!training.omitBatchStatistics) {
        out.println("note: the training loss and clipping statistics in metrics.jsonl come from"
            + " the private batches and are not covered by ε (--omit-batch-statistics leaves"
            + " them out)");
      }
    }
    out.println("run written to " + training.runDirectory + " (report: "
        + HtmlReport.write(training.runDirectory) + ")");
    return result;
  }

  /** {@code --task text-classification}, in this process or with {@code --spark} on Spark. */
  private FineTuningRun.Result trainText(FineTuningRun.Settings settings, ProgressBar progress)
      throws IOException {
    if (sparkMaster == null) {
      return TextClassificationJob.run(
          training.textClassification(), settings, training.runDirectory, resume, progress);
    }
    try (SparkExecutors executors = SparkExecutors.start(sparkMaster, settings)) {
      return TextClassificationJob.run(
          training.textClassification(), settings, training.runDirectory, resume, progress,
          executors);
    }
  }

  /**
   * {@code --task image-classification}: a ViT directory and images from {@code --data PATH}
   * (see {@link ImageFiles}) or Fashion-MNIST.
   */
  private FineTuningRun.Result trainImages(FineTuningRun.Settings settings, ProgressBar progress)
      throws IOException {
    String dataset = training.data.name(FashionMnistDataset.NAME);
    if (!training.data.fromFiles() && !FashionMnistDataset.NAME.equals(dataset)) {
      throw new IllegalArgumentException("--task image-classification trains on --dataset "
          + FashionMnistDataset.NAME + " or on --data PATH (an IDX image file, a CIFAR-10/100"
          + " batch or a folder of class sub-folders), got --dataset " + dataset);
    }
    if (!spec.commandLine().getParseResult().hasMatchedOption("--model")) {
      throw new IllegalArgumentException("--task image-classification needs --model DIR, a Hugging"
          + " Face ViT directory (config.json, model.safetensors)");
    }
    Path modelDir = PretrainedModels.fromEnvironment().resolve(training.model);
    ImageTransform transform = PretrainedVit.imageTransform(modelDir);
    DatasetSplits<ImageDataset> images =
        training.data.fromFiles()
            ? training.data.splits((flag, file, train) -> readImages(flag, file, train, transform),
                HashSplit::split)
            : FashionMnistDataset.splits(transform);
    ImageClassificationJob.Spec job =
        new ImageClassificationJob.Spec(training.model, modelDir, dataset, images);
    return ImageClassificationJob.run(job, settings, training.runDirectory, resume, progress);
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
}
