package io.dpft.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which trained run to use, and the pretrained model under it: shared by eval and predict. */
final class TrainedRunOptions {

  @Option(
      names = "--checkpoint",
      paramLabel = "RUN_DIR",
      required = true,
      order = 1,
      description = "the run directory a training run wrote (config.json, checkpoint/)")
  Path runDirectory;

  @Option(
      names = "--model",
      paramLabel = "DIR|NAME",
      order = 2,
      description =
          "the pretrained model the run started from, if not the model_dir of its config.json")
  private String model;

  /** The run's classifier; see {@link TrainedClassifier#load}. */
  TrainedClassifier load() throws IOException {
    return TrainedClassifier.load(runDirectory, model);
  }
}
