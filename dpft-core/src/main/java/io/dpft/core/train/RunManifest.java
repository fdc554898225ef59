package io.dpft.core.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.nn.Precision;
import io.dpft.core.peft.FineTuningMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code config.json} of a run directory: everything needed to rebuild the model for
 * evaluation/prediction and to state what was run — model, task, data, method, optimisation and
 * the privacy settings (with whether noise and sampling were secure or seeded) — plus versions.
 * Written when a run starts (and again on resume, where only {@link #RESUMABLE_CHANGES} may
 * differ); the run directory also holds {@link MetricsLog#FILE}, the {@code checkpoint/}
 * ({@link TrainingCheckpoint}) and {@code report.html}.
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
    Map<String, String> methodSettings,
    double epochs,
    int logicalBatchSize,
    int physicalBatchSize,
    String optimizer,
    double learningRate,
    PrivacySettings privacy,
    Map<String, Integer> datasetSizes,
    Map<String, Long> skippedRows,
    Map<String, String> versions,
    Optimization optimization,
    RunOutput output,
    String executors,
    String precision,
    String precisionUsed) {

  /**
   * {@code method_settings} is absent from a file written before it was recorded: empty then;
   * {@code executors} (where the clipped gradient sums were computed, e.g. "spark local[2]"; ""
   * in the trainer's process) likewise "". {@code precision} is the one asked for
   * ({@link Precision#cliName}), {@code precision_used} the one the machine of the last start
   * or resume ran (fp32 where its CPU lacks bfloat16 instructions); both "fp32" in a file written before they
   * were recorded.
   */
  public RunManifest {
    executors = executors == null ? "" : executors;
    precision = precision == null ? Precision.FP32.cliName() : precision;
    precisionUsed = precisionUsed == null ? Precision.FP32.cliName() : precisionUsed;
    methodSettings = methodSettings == null ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(methodSettings));
  }

  /**
   * The fine-tuning method the run used, rebuilt from {@code method} and
   * {@code method_settings}: what adds the method's modules to a model before the run's trained
   * parameters load ({@link FineTuningMethod#extend}).
   */
  public FineTuningMethod fineTuningMethod() {
    return FineTuningMethod.of(method, methodSettings);
  }

  /** The file name inside a run directory. */
  public static final String FILE = "config.json";

  /**
   * The keys of {@code config.json} that may change when a run resumes: they change neither what
   * is computed nor what is spent (memory per forward pass, checkpoint frequency, provenance,
   * where the clipped gradient sums are computed), or follow the machine (the precision a CPU
   * without bfloat16 instructions falls back to).
   */
  public static final Set<String> RESUMABLE_CHANGES =
      Set.of("physical_batch_size", "versions", "output", "executors", "precision_used");

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
   * then 0 / empty). {@code clippingStyle} is {@code all-layer}, {@code layer-wise} or
   * {@code group-wise}, with {@code maxGradNorm} the total threshold. {@code noise} and
   * {@code sampling} say "secure" or "seeded(N)".
   */
  public record PrivacySettings(
      boolean dp,
      double targetEpsilon,
      double delta,
      String accountant,
      double noiseMultiplier,
      double maxGradNorm,
      String clipping,
      String clippingStyle,
      double sampleRate,
      long steps,
      String sampling,
      String noise) {
    /** {@code clipping_style} is absent from a file written before it was recorded: all-layer. */
    public PrivacySettings {
      if (clippingStyle == null) {
        clippingStyle = dp ? "all-layer" : "";
      }
    }
  }

  /**
   * How the optimizer runs, beyond {@link #optimizer()} and {@link #learningRate()}: the warm-up
   * fraction of the steps, the epochs of a two-phase run's first phase (0 for one phase), the
   * optimizer's own hyperparameters by name, and which of {@code logical_batch_size},
   * {@code epochs} and {@code learning_rate} were derived from the data rather than given.
   */
  public record Optimization(
      double warmupFraction,
      double firstPhaseEpochs,
      Map<String, Double> optimizerSettings,
      List<String> derivedFromData) {}

  /**
   * What differs between this (a stored run) and {@code planned} (the same run as a resume would
   * carry it on), apart from {@link #RESUMABLE_CHANGES}: one "key: stored → planned" per leaf.
   */
  public List<String> changesTo(RunManifest planned) throws IOException {
    List<String> changes = new ArrayList<>();
    compare("", JSON.readTree(JSON.writeValueAsBytes(this)),
        JSON.readTree(JSON.writeValueAsBytes(planned)), changes);
    return changes;
  }

  private static void compare(String path, JsonNode stored, JsonNode planned, List<String> out) {
    if (stored.isObject() && planned.isObject()) {
      Set<String> keys = new LinkedHashSet<>();
      stored.fieldNames().forEachRemaining(keys::add);
      planned.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        if (path.isEmpty() && RESUMABLE_CHANGES.contains(key)) {
          continue;
        }
        compare(path.isEmpty() ? key : path + "." + key, stored.path(key), planned.path(key), out);
      }
    } else if (!stored.equals(planned)) {
      out.add(path + ": the run has " + text(stored) + ", now " + text(planned));
    }
  }

  private static String text(JsonNode node) {
    return node.isMissingNode() || node.isNull() ? "nothing" : node.toString();
  }

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
    try {
      return JSON.readValue(file.toFile(), RunManifest.class);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          file + " is not a valid run configuration: " + e.getOriginalMessage(), e);
    }
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
