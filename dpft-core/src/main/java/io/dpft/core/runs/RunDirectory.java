package io.dpft.core.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A run directory as training writes it: {@value RunManifest#FILE} (read both as the {@link
 * RunManifest} record and as the raw JSON, so that a report can list every key, including ones this
 * version does not know), {@value MetricsLog#FILE} and the {@value RunManifest#CHECKPOINT}
 * directory.
 *
 * @param path the directory
 * @param manifest the run's settings
 * @param config the same file as a JSON tree
 */
public record RunDirectory(Path path, RunManifest manifest, JsonNode config) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Opens {@code path}.
   *
   * @throws IllegalArgumentException naming the path when it does not exist, is not a run
   *     directory, or its {@value RunManifest#FILE} cannot be parsed
   */
  public static RunDirectory open(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException(
          "run directory " + path + " does not exist (pass the directory a training run wrote)");
    }
    RunManifest manifest = RunManifest.read(path); // checks the JSON, naming the file
    return new RunDirectory(path, manifest, JSON.readTree(path.resolve(RunManifest.FILE).toFile()));
  }

  /** The run's {@value MetricsLog#FILE}. */
  public Path metricsFile() {
    return path.resolve(MetricsLog.FILE);
  }

  /**
   * The trained parameters, {@value RunManifest#CHECKPOINT}/{@value TrainingCheckpoint#TRAINABLE}.
   *
   * @throws IllegalArgumentException naming the file when the run saved no checkpoint, or the
   *     checkpoint's files do not match their digests
   */
  public Path trainableParameters() throws IOException {
    Path file = path.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "run directory "
              + path
              + " has no trained parameters: "
              + file
              + " is missing (the run saved no checkpoint; did it finish?)");
    }
    TrainingCheckpoint.verify(file.getParent());
    return file;
  }
}
