package io.dpft.cli;

import io.dpft.core.runs.RunDirectory;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.runs.TrainedGenerator;
import io.dpft.core.runs.TrainedImageClassifier;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
