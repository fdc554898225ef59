package io.dpft.core.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dpft.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code config.json} of a run directory: everything needed to rebuild the model for
 * evaluation/prediction and to state what was run — model, task, data, method, optimisation and
 * the privacy settings (with whether noise and sampling were secure or seeded) — plus versions.
 * Written once when a run starts; the run directory also holds {@link MetricsLog#FILE}, the
 * {@code checkpoint/} ({@link TrainingCheckpoint}) and {@code report.html}.
 */
public record RunManifest(
    String model,
    String modelDir,
    String task,
    String dataset,
    List<String> labels,
    int maxLength,
    String pooling,
    String method,
    double epochs,
    int logicalBatchSize,
    int physicalBatchSize,
    String optimizer,
    double learningRate,
    PrivacySettings privacy,
    Map<String, Integer> datasetSizes,
    Map<String, String> versions) {

  /** The file name inside a run directory. */
  public static final String FILE = "config.json";

  /** The checkpoint directory inside a run directory. */
  public static final String CHECKPOINT = "checkpoint";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          // a config.json from a newer dpft (extra keys) stays readable
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * The privacy side of the run: {@code dp} false for a non-private baseline (the other fields
   * then 0 / empty). {@code noise} and {@code sampling} say "secure" or "seeded(N)".
   */
  public record PrivacySettings(
      boolean dp,
      double targetEpsilon,
      double delta,
      String accountant,
      double noiseMultiplier,
      double maxGradNorm,
      String clipping,
      double sampleRate,
      long steps,
      String sampling,
      String noise) {}

  public void write(Path runDirectory) throws IOException {
    Files.createDirectories(runDirectory);
    AtomicFiles.writeBytes(runDirectory.resolve(FILE), JSON.writeValueAsBytes(this));
  }

  public static RunManifest read(Path runDirectory) throws IOException {
    Path file = runDirectory.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "not a run directory: " + file + " is missing (pass the directory a training run wrote)");
    }
    return JSON.readValue(file.toFile(), RunManifest.class);
  }

  /** Versions of dpft, Java and the OS, for provenance. */
  public static Map<String, String> currentVersions() {
    String dpft = RunManifest.class.getPackage().getImplementationVersion();
    return Map.of(
        "dpft", dpft == null ? "dev" : dpft,
        "java", System.getProperty("java.version"),
        "os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
  }

}
