package io.dpft.core.tasks;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.metrics.ConfusionMatrix;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenizerOptions;
import io.dpft.core.train.RemoteClipping;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fine-tunes a pretrained BERT-family encoder with a fresh classification head on a text
 * classification dataset, privately or not, through {@link FineTuningRun}; validation and test are
 * scored by accuracy, F1 (binary, or macro over more classes) and MCC. The one call behind
 * {@code dpft train --task text-classification} and {@code dpft quickstart}.
 */
public final class TextClassificationJob {

  /** The score every run reports first: arg-max accuracy. */
  public static final String ACCURACY = "accuracy";

  /** F1 of the positive class (label 1) for two classes, the macro average over more. */
  public static final String F1 = "f1";

  /** The model and data of a run; {@code modelDirectory} is a converted Hugging Face directory. */
  public record Spec(
      String modelName,
      Path modelDirectory,
      String datasetName,
      DatasetSplits<TextDataset> data,
      int maxLength,
      BertModel.Pooling pooling) {}

  /**
   * Starts the computation of a run's clipped gradient sums outside this process (dpft-spark's
   * executors) on the run's training examples, in the order of {@code spec.data().train()}, for
   * {@code model} as the job built it ({@code freshlyInitialised}: its parameters that are not in
   * the model directory); the job closes what it returns.
   */
  @FunctionalInterface
  public interface Remote {
    RemoteClipping start(
        Spec spec, FineTuningRun.Settings settings, BertModel model,
        List<String> freshlyInitialised) throws IOException;
  }

  /** What a caller computes from the trained model before the job closes it. */
  @FunctionalInterface
  interface AfterTraining<T> {
    T apply(SequenceClassificationTask task, TextTokenizer tokenizer, FineTuningRun.Result result)
        throws IOException;
  }

  private TextClassificationJob() {}

  /**
   * Runs {@code spec} with {@code settings} into {@code runDirectory}. With {@code resume},
   * continues from the directory's checkpoint with the same privacy ledger and sampler.
   */
  public static FineTuningRun.Result run(
      Spec spec,
      FineTuningRun.Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress)
      throws IOException {
    return run(spec, settings, runDirectory, resume, progress, null,
        (task, tokenizer, result) -> result);
  }

  /**
   * As {@link #run(Spec, FineTuningRun.Settings, Path, boolean, TrainingListener)}, each step's
   * clipped gradient sums computed by what {@code remote} starts (DP only); sampling, noise,
   * ledger, checkpoints, metrics and evaluation stay in this process.
   */
  public static FineTuningRun.Result run(
      Spec spec,
      FineTuningRun.Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress,
      Remote remote)
      throws IOException {
    return run(spec, settings, runDirectory, resume, progress, remote,
        (task, tokenizer, result) -> result);
  }

  /**
   * Runs as {@link #run(Spec, FineTuningRun.Settings, Path, boolean, TrainingListener, Remote)}
   * ({@code remote} null: in this process), then computes {@code after} from the trained model.
   */
  static <T> T run(
      Spec spec,
      FineTuningRun.Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress,
      Remote remote,
      AfterTraining<T> after)
      throws IOException {
    List<String> labels = spec.data().train().labels().names();
    try (RunDirectoryLock lock = FineTuningRun.open(runDirectory, resume, settings);
        TextTokenizer tokenizer =
            TextTokenizer.load(
                spec.modelDirectory().resolve("tokenizer.json"),
                TokenizerOptions.truncating(spec.maxLength()))) {
      PretrainedBert.Loaded loaded =
          PretrainedBert.load(
              spec.modelDirectory(),
              BertModel.Options.sequenceClassification(labels.size(), spec.pooling()));
      try (BertModel model = loaded.model();
          RemoteClipping clipping =
              remote == null ? null
                  : remote.start(spec, settings, model, loaded.freshlyInitialised())) {
        return runLoaded(spec, settings, lock, resume, progress, after, labels, tokenizer, model,
            clipping);
      }
    }
  }

  /** The run of a loaded model: encodes the data and trains through {@link FineTuningRun}. */
  private static <T> T runLoaded(
      Spec spec,
      FineTuningRun.Settings settings,
      RunDirectoryLock lock,
      boolean resume,
      TrainingListener progress,
      AfterTraining<T> after,
      List<String> labels,
      TextTokenizer tokenizer,
      BertModel model,
      RemoteClipping clipping)
      throws IOException {
    settings.method().extend(model);
    EncodedTextDataset train = EncodedTextDataset.encode(spec.data().train(), tokenizer);
    EncodedTextDataset validation = EncodedTextDataset.encode(spec.data().validation(), tokenizer);
    EncodedTextDataset test = EncodedTextDataset.encode(spec.data().test(), tokenizer);
    try (SequenceClassificationTask task =
        new SequenceClassificationTask(
            model, train, settings.physicalBatchSize(), tokenizer.padId(),
            settings.seed().orElse(0))) {
      FineTuningRun.Subject subject =
          new FineTuningRun.Subject(
              spec.modelName(),
              spec.modelDirectory(),
              TaskKind.TEXT_CLASSIFICATION,
              spec.datasetName(),
              labels,
              spec.maxLength(),
              spec.pooling().name().toLowerCase(Locale.ROOT),
              FineTuningRun.splitSizes(train.size(), validation.size(), test.size()),
              FineTuningRun.skippedRows(
                  spec.data().train().skipped().skipped(),
                  spec.data().validation().skipped().skipped(),
                  spec.data().test() == spec.data().validation()
                      ? 0 // validation and test are parts of one file, skipped once
                      : spec.data().test().skipped().skipped()));
      FineTuningRun.Result result =
          FineTuningRun.run(
              model,
              BertModel.HEAD,
              task,
              () -> scores(task.evaluate(validation)),
              () -> scores(task.evaluate(test)),
              subject,
              settings,
              lock,
              resume,
              progress,
              clipping);
      return after.apply(task, tokenizer, result);
    }
  }

  /** Accuracy, F1 (binary for two classes, macro otherwise) and MCC of a confusion matrix. */
  public static Map<String, Double> scores(ConfusionMatrix m) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put(ACCURACY, m.accuracy());
    values.put(F1, m.numClasses() == 2 ? m.binaryF1() : m.macroF1());
    values.put("mcc", m.mcc());
    return values;
  }
}
