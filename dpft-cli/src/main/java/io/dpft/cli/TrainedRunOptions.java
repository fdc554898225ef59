package io.dpft.cli;

import io.dpft.cli.report.RunDirectory;
import io.dpft.core.io.PretrainedModels;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Which trained run to use, and the pretrained model under it: shared by eval and predict. */
final class TrainedRunOptions {

  @ArgGroup(exclusive = true, multiplicity = "1")
  private RunDirectoryOption runDirectoryOption;

  /** The run directory ({@code --run-dir}). */
  Path runDirectory() {
    return runDirectoryOption.path;
  }

  @Option(
      names = "--model",
      paramLabel = "DIR|NAME",
      order = 2,
      description =
          "the pretrained model the run started from, if not the model_dir of its config.json")
  private String model;

  @Option(
      names = "--task",
      paramLabel = "TASK",
      order = 3,
      converter = TaskKindConverter.class,
      description = "the run's task (text-classification, causal-lm or image-classification);"
          + " default: the task in the run's config.json")
  private TaskKind task;

  /**
   * The run's task: the one its config.json records, checked against {@code --task} if given.
   *
   * @throws IllegalArgumentException when they differ
   */
  TaskKind task() throws IOException {
    TaskKind recorded = TaskKind.parse(RunDirectory.open(runDirectory()).manifest().task());
    if (task != null && task != recorded) {
      throw new IllegalArgumentException(
          "--task " + task + " does not match the run in " + runDirectory() + ", which was trained"
              + " for " + recorded + " (leave --task out or pass that run's task)");
    }
    return recorded;
  }

  /**
   * The run's task when its config.json can be read (see {@link #task()}), else {@code --task} or
   * text-classification: for choosing how to check the other flags before the run is loaded, which
   * reports a missing run properly.
   */
  TaskKind likelyTask() throws IOException {
    if (Files.isRegularFile(runDirectory().resolve(RunManifest.FILE))) {
      return task();
    }
    return task != null ? task : TaskKind.TEXT_CLASSIFICATION;
  }

  /** The run's image classifier; see {@link TrainedImageClassifier#load}. */
  TrainedImageClassifier loadImageClassifier() throws IOException {
    return TrainedImageClassifier.load(runDirectory(), model);
  }

  /** The run's classifier; see {@link TrainedClassifier#load}. */
  TrainedClassifier load() throws IOException {
    return TrainedClassifier.load(runDirectory(), model);
  }

  /** The run's GPT-2; see {@link TrainedGenerator#load}. */
  TrainedGenerator loadGenerator() throws IOException {
    return TrainedGenerator.load(runDirectory(), model);
  }

  /**
   * Copies a run's trained parameters ({@code trainable}) over the pretrained {@code model}
   * loaded from {@code modelDir}; closes the model when they do not fit.
   *
   * @param mustLoad parameters the checkpoint has to provide (a fresh task head)
   * @throws IllegalArgumentException naming both when the checkpoint has tensors the model lacks,
   *     shapes differ or a {@code mustLoad} parameter is not in it
   */
  static <M extends Module> M withTrainedParameters(
      M model, Path trainable, Path modelDir, List<String> mustLoad) throws IOException {
    try {
      WeightLoader.LoadReport report =
          WeightLoader.load(trainable, model.namedParameters(), WeightLoader.Mode.LENIENT);
      List<String> notLoaded = new ArrayList<>(mustLoad);
      notLoaded.removeAll(report.loaded());
      if (!report.unexpected().isEmpty()
          || !report.mismatched().isEmpty()
          || !notLoaded.isEmpty()) {
        throw new IllegalArgumentException(
            trainable
                + " does not fit the model in "
                + modelDir
                + ": unexpected "
                + report.unexpected()
                + ", shape mismatches "
                + report.mismatched()
                + ", not in the checkpoint "
                + notLoaded
                + " (pass the model the run was trained from with --model)");
      }
      model.eval();
      return model;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Examples per forward pass of a trained run: its physical batch size (config.json), else 32
   * when the run does not say.
   */
  static int batchSize(RunManifest manifest) {
    int recorded = manifest.physicalBatchSize();
    return recorded > 0 ? recorded : 32;
  }

  /** The override, else the run's model directory, else (when that is gone) its model name. */
  static Path modelDirectory(RunManifest manifest, String modelOverride)
      throws IOException {
    PretrainedModels models = PretrainedModels.fromEnvironment();
    if (modelOverride != null) {
      return models.resolve(modelOverride);
    }
    Path recorded = Path.of(manifest.modelDir());
    if (Files.isDirectory(recorded)) {
      return recorded;
    }
    try {
      return models.resolve(manifest.model());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the run's model directory "
              + recorded
              + " is gone and its model '"
              + manifest.model()
              + "' is not a bundled name; pass the model with --model DIR",
          e);
    }
  }
}
