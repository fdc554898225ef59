package io.dpft.cli;

import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedImageClassifier;
import static io.dpft.cli.PrivacyReport.number;
import static io.dpft.cli.PrivacyReport.row;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.tasks.ImageClassificationJob;
import io.dpft.core.tasks.ImageClassificationTask;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.tasks.TextClassificationJob;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.BuiltinTextDatasets;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.FashionMnistDataset;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageFiles;
import io.dpft.data.metrics.ConfusionMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpft eval}: accuracy, F1 and the Matthews correlation coefficient of a trained run's
 * arg-max predictions, on a split of the run's built-in dataset or on a labelled CSV/JSONL file. F1
 * is the positive class's (label index 1) for two labels, as GLUE reports it, and the unweighted
 * mean over classes (macro) otherwise; the metrics are {@link ConfusionMatrix}'s. A causal-lm run
 * is scored by generation instead, BLEU and ROUGE-L ({@link CausalLmEvaluation}). An
 * image-classification run reports accuracy, top-5 accuracy and macro F1 on an image path.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    header = "Evaluate a trained run: accuracy, F1, MCC (causal-lm: BLEU, ROUGE-L).",
    description =
        "Evaluates the model a training run saved on a split of the run's dataset (default: the"
            + " test split) or on a labelled CSV or JSON Lines file, and prints accuracy, F1"
            + " (binary for two labels, else macro), the Matthews correlation coefficient and the"
            + " number of examples. A causal-lm run generates for each input of an E2E-style CSV"
            + " file (--data, columns mr and ref) and prints BLEU and ROUGE-L. For an"
            + " image-classification run: accuracy, top-5 accuracy and macro F1 on --data PATH (an"
            + " IDX image file, a CIFAR batch or a folder of class sub-folders) or on a split of"
            + " fashion-mnist.",
    footer = {
      "dpft eval --run-dir runs/sentiment",
      "dpft eval --run-dir runs/sentiment --data reviews.csv --text-column review --label-column"
          + " stars --json",
      "dpft eval --run-dir runs/e2e --data testset_w_refs.csv --max-new-tokens 64",
      "dpft eval --task image-classification --run-dir runs/fashion --data test-images/"
    })
final class EvalCommand implements Callable<Integer> {
  /** The built-in datasets a run's config.json can name, by that name. */
  private static final Map<String, Function<DatasetSplits<TextDataset>, TextDataset>> SPLITS =
      Map.of("validation", DatasetSplits::validation, "test", DatasetSplits::test);

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Mixin private TrainedRunOptions run;

  @ArgGroup(exclusive = true, multiplicity = "0..1", order = 10)
  private Data data;

  @Mixin private GenerationOptions generation;

  @Mixin private OutputOptions output;

  private static final class Data {
    @Option(
        names = "--split",
        paramLabel = "SPLIT",
        order = 11,
        description = "split of the run's built-in dataset: validation or test (default: test)")
    private String split;

    @ArgGroup(exclusive = false, multiplicity = "1")
    private DataFile file;
  }

  private static final class DataFile {
    @Option(
        names = "--data",
        paramLabel = "FILE",
        required = true,
        order = 12,
        description =
            "labelled examples instead of the run's dataset: .csv (with a header) or"
                + " .json/.jsonl (JSON Lines or an array of objects), UTF-8; for an"
                + " image-classification run an IDX image file, a CIFAR batch or a folder of"
                + " class sub-folders")
    private Path file;

    @ArgGroup(exclusive = false, multiplicity = "0..1")
    private TextColumnOptions columns = new TextColumnOptions();
  }

  @Override
  public Integer call() throws Exception {
    // flags are checked before the (slow) model load
    if (run.likelyTask() == TaskKind.IMAGE_CLASSIFICATION) {
      return evaluateImages();
    }
    boolean fromFile = data != null && data.file != null;
    if (fromFile) {
      data.file.columns.format("--data", data.file.file);
    }
    Function<DatasetSplits<TextDataset>, TextDataset> split =
        fromFile ? null : split(data == null || data.split == null ? "test" : data.split);
    TaskKind task = run.task();
    if (task == TaskKind.CAUSAL_LM) {
      CausalLmEvaluation.run(
          run, fromFile ? data.file.file : null, generation, output, spec.commandLine().getOut());
      return 0;
    }
    try (TrainedClassifier classifier = run.load()) {
      TextDataset examples =
          fromFile
              ? data.file.columns.read(
                  "--data",
                  data.file.file,
                  data.file.columns.options(classifier.labels()),
                  spec.commandLine().getErr())
              : builtinSplit(classifier, split);
      ConfusionMatrix matrix = classifier.evaluate(examples);
      boolean binary = matrix.numClasses() == 2;
      Map<String, Double> scores = TextClassificationJob.scores(matrix);
      double f1 = scores.get(TextClassificationJob.F1);
      ObjectNode json = PrivacyReport.JSON.createObjectNode();
      scores.forEach(json::put);
      json.put("f1_average", binary ? "binary" : "macro");
      json.put("n", matrix.total());
      json.put("data", examples.source());
      json.put("checkpoint", run.runDirectory().toString());
      List<String> text =
          List.of(
              row("accuracy", number(matrix.accuracy(), 4)),
              row(
                  "F1",
                  number(f1, 4)
                      + (binary
                          ? " (binary, positive label '" + classifier.labels().name(1) + "')"
                          : " (macro over " + matrix.numClasses() + " labels)")),
              row("MCC", number(matrix.mcc(), 4)),
              row("n", String.format(Locale.ROOT, "%,d", matrix.total())),
              row("data", examples.source()));
      output.print(spec.commandLine().getOut(), json, text);
    }
    return 0;
  }

  /**
   * An image-classification run: accuracy, top-5 accuracy and macro F1 on an image path (IDX,
   * CIFAR batch or image folder, see {@link ImageFiles}) or a split of the run's built-in dataset.
   */
  private int evaluateImages() throws Exception {
    Path file = data != null && data.file != null ? data.file.file : null;
    if (file != null && !Files.exists(file)) {
      throw new IllegalArgumentException("--data " + file + " does not exist");
    }
    String splitName = file != null ? null : data == null || data.split == null ? "test" : data.split;
    if (splitName != null) {
      split(splitName); // checks the name
    }
    try (TrainedImageClassifier classifier = run.loadImageClassifier()) {
      ImageDataset images =
          file != null
              ? ImageFiles.read(file, classifier.transform())
              : builtinImages(classifier, splitName);
      ImageClassificationTask.ImageScores scores = classifier.evaluate(images);
      ObjectNode json = PrivacyReport.JSON.createObjectNode();
      ImageClassificationJob.scores(scores).forEach(json::put);
      json.put("f1_average", "macro");
      json.put("n", scores.confusion().total());
      json.put("data", images.source());
      json.put("checkpoint", run.runDirectory().toString());
      List<String> text =
          List.of(
              row("accuracy", number(scores.accuracy(), 4)),
              row("top-5 accuracy", number(scores.topFiveAccuracy(), 4)),
              row("F1", number(scores.confusion().macroF1(), 4)
                  + " (macro over " + scores.confusion().numClasses() + " labels)"),
              row("n", String.format(Locale.ROOT, "%,d", scores.confusion().total())),
              row("data", images.source()));
      output.print(spec.commandLine().getOut(), json, text);
    }
    return 0;
  }

  private static ImageDataset builtinImages(TrainedImageClassifier classifier, String split) {
    if (!FashionMnistDataset.NAME.equals(classifier.dataset())) {
      throw new IllegalArgumentException("the run's dataset '" + classifier.dataset() + "' is not"
          + " a built-in image dataset (" + FashionMnistDataset.NAME + "); pass its images with"
          + " --data PATH");
    }
    return "test".equals(split)
        ? FashionMnistDataset.test(classifier.transform())
        : FashionMnistDataset.validation(classifier.transform());
  }

  private static Function<DatasetSplits<TextDataset>, TextDataset> split(String name) {
    Function<DatasetSplits<TextDataset>, TextDataset> split = SPLITS.get(name);
    if (split == null) {
      throw new IllegalArgumentException("--split must be validation or test, got '" + name + "'");
    }
    return split;
  }

  private static TextDataset builtinSplit(
      TrainedClassifier classifier, Function<DatasetSplits<TextDataset>, TextDataset> split) {
    String dataset = classifier.dataset();
    if (!BuiltinTextDatasets.contains(dataset)) {
      throw new IllegalArgumentException(
          "the run's dataset '"
              + dataset
              + "' is not a built-in dataset ("
              + String.join(", ", BuiltinTextDatasets.names())
              + "); pass its examples with"
              + " --data FILE");
    }
    return split.apply(BuiltinTextDatasets.load(dataset));
  }
}
