package io.dpft.core.tasks;

import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.image.ImageDataset;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An image-classification fine-tuning run for library users: what {@code dpft train --task
 * image-classification} does ({@link ImageClassificationJob}), built with named settings ({@link
 * TrainingBuilder}) and checked at {@code build()}.
 *
 * <pre>{@code
 * FineTuningRun.Result result =
 *     ImageClassifierTraining.builder(Path.of("models/vit"), splits, Path.of("runs/photos"))
 *         .privacy(PrivacyTarget.targetEpsilon(3))
 *         .build()
 *         .run();
 * }</pre>
 */
public final class ImageClassifierTraining {
  private ImageClassifierTraining() {}

  /**
   * A run of the Hugging Face ViT in {@code model} on {@code data} (the labels are the training
   * part's; validation and test are matched to them by name), written to {@code runDirectory}.
   */
  public static Builder builder(Path model, DatasetSplits<ImageDataset> data, Path runDirectory) {
    return new Builder(model, data, runDirectory);
  }

  /** The model and data; the settings every task has are {@link TrainingBuilder}'s. */
  public static final class Builder extends TrainingBuilder<Builder, ImageDataset> {
    private Builder(Path model, DatasetSplits<ImageDataset> data, Path runDirectory) {
      super(model.toString(), data, runDirectory);
    }

    @Override
    Training.Job job() throws IOException {
      checkHasExamples(data().train().source(), data().train().size());
      ImageClassificationJob.Spec spec =
          new ImageClassificationJob.Spec(model(), modelDirectory(), datasetName(), data());
      return (settings, runDirectory, resume, listener) ->
          ImageClassificationJob.run(spec, settings, runDirectory, resume, listener);
    }
  }
}
