package io.dpft.core.runs;

import io.dpft.core.tasks.ModelExport;
import io.dpft.core.tasks.TaskKind;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A finished run's model, rebuilt from its run directory for use: one type per task, each with its
 * own evaluation and prediction ({@link TrainedClassifier}, {@link TrainedImageClassifier}, {@link
 * TrainedGenerator}); every one exports. Holds native memory, so close it.
 *
 * <pre>{@code
 * try (TrainedModel model = TrainedModel.load(Path.of("runs/sentiment"))) {
 *   if (model instanceof TrainedClassifier classifier) { ... classifier.probabilities(texts) ... }
 *   model.exportTo(Path.of("models/sentiment"));
 * }
 * }</pre>
 */
public sealed interface TrainedModel extends AutoCloseable
    permits TrainedClassifier, TrainedImageClassifier, TrainedGenerator {

  /** Loads the run in {@code runDirectory} with the model it was trained from. */
  static TrainedModel load(Path runDirectory) throws IOException {
    return load(runDirectory, null);
  }

  /**
   * Loads the run in {@code runDirectory} as the model of its task.
   *
   * @param modelOverride a model directory or bundled name to use instead of the run's, or null
   * @throws IllegalArgumentException naming the file at fault when the directory is not a finished
   *     run, or its checkpoint does not fit the model
   */
  static TrainedModel load(Path runDirectory, String modelOverride) throws IOException {
    TaskKind task = TaskKind.parse(RunDirectory.open(runDirectory).manifest().task());
    switch (task) {
      case CAUSAL_LM:
        return TrainedGenerator.load(runDirectory, modelOverride);
      case IMAGE_CLASSIFICATION:
        return TrainedImageClassifier.load(runDirectory, modelOverride);
      case TEXT_CLASSIFICATION:
        return TrainedClassifier.load(runDirectory, modelOverride);
      default:
        throw new AssertionError(task);
    }
  }

  /** The run directory the model was loaded from. */
  Path runDirectory();

  /**
   * Writes the model as a Hugging Face directory ({@link ModelExport#exportRun}) to {@code
   * outDirectory}, which must not exist or be empty.
   */
  default void exportTo(Path outDirectory) throws IOException {
    ModelExport.exportRun(runDirectory(), outDirectory);
  }

  @Override
  void close();
}
