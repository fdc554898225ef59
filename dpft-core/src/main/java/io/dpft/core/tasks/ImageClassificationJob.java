package io.dpft.core.tasks;

import io.dpft.core.models.PretrainedVit;
import io.dpft.core.models.VitModel;
import io.dpft.core.train.RunDirectoryLock;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.builtin.DatasetSplits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes a pretrained Vision Transformer (Dosovitskiy et al., ICLR 2021) with a fresh
 * classifier on an image classification dataset, privately or not, through {@link FineTuningRun};
 * validation and test are scored by accuracy, top-5 accuracy and macro F1. Images are prepared as
 * the model needs ({@link PretrainedVit#imageTransform}: its size and channels, gray replicated
 * to RGB, its normalisation). The one call behind {@code dpft train --task image-classification}.
 */
public final class ImageClassificationJob {

  /** The score every run reports first: arg-max accuracy. */
  public static final String ACCURACY = TextClassificationJob.ACCURACY;

  /** The gold class among the {@value ImageClassificationTask#TOP_K} highest logits. */
  public static final String TOP_5_ACCURACY = "top5_accuracy";

  /** Unweighted mean of the per-class F1 scores. */
  public static final String MACRO_F1 = "f1";

  /**
   * The model and data of a run: {@code modelDirectory} is a Hugging Face ViT directory; the
   * labels are the training part's, which validation and test are matched to by name.
   */
  public record Spec(
      String modelName, Path modelDirectory, String datasetName, DatasetSplits<ImageDataset> data) {}

  private ImageClassificationJob() {}

  /**
   * Runs {@code spec} with {@code settings} into {@code runDirectory}. With {@code resume},
   * continues from the directory's checkpoint with the same privacy ledger and sampler.
   *
   * @throws IllegalArgumentException when the model directory or the data do not fit (see
   *     {@link PretrainedVit#load}, {@link ImageDataset#withLabelNames})
   */
  public static FineTuningRun.Result run(
      Spec spec,
      FineTuningRun.Settings settings,
      Path runDirectory,
      boolean resume,
      TrainingListener progress)
      throws IOException {
    ImageTransform transform = PretrainedVit.imageTransform(spec.modelDirectory());
    ImageDataset train = spec.data().train().withTransform(transform);
    ImageDataset validation =
        spec.data().validation().withLabelNames(train.labels()).withTransform(transform);
    ImageDataset test = spec.data().test().withLabelNames(train.labels()).withTransform(transform);
    List<String> labels = train.labels().names();
    try (RunDirectoryLock lock = FineTuningRun.open(runDirectory, resume, settings);
        VitModel model = PretrainedVit.load(spec.modelDirectory(), labels.size()).model()) {
      settings.method().extend(model);
      ImageClassificationTask task =
          new ImageClassificationTask(model, train, settings.physicalBatchSize());
      FineTuningRun.Subject subject =
          new FineTuningRun.Subject(
              spec.modelName(),
              spec.modelDirectory(),
              TaskKind.IMAGE_CLASSIFICATION,
              spec.datasetName(),
              labels,
              0,
              "",
              FineTuningRun.splitSizes(train.size(), validation.size(), test.size()),
              FineTuningRun.skippedRows(
                  train.skipped().skipped(), validation.skipped().skipped(),
                  spec.data().test() == spec.data().validation() ? 0 : test.skipped().skipped()));
      return FineTuningRun.run(
          model,
          "classifier",
          task,
          () -> scores(task.evaluate(validation)),
          () -> scores(task.evaluate(test)),
          subject,
          settings,
          lock,
          resume,
          progress);
    }
  }

  /** Accuracy, top-5 accuracy and macro F1, under the names above. */
  public static Map<String, Double> scores(ImageClassificationTask.ImageScores s) {
    Map<String, Double> values = new LinkedHashMap<>();
    values.put(ACCURACY, s.accuracy());
    values.put(TOP_5_ACCURACY, s.topFiveAccuracy());
    values.put(MACRO_F1, s.confusion().macroF1());
    return values;
  }
}
