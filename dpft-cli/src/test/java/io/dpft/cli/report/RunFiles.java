package io.dpft.cli.report;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.train.MetricsLog;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.RunManifest.PrivacySettings;
import io.dpft.core.train.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a run directory as training writes them, for tests: a {@link RunManifest} and a
 * {@code metrics.jsonl} written by {@link MetricsLog} itself, with known values.
 */
public final class RunFiles {
  /** Logged training steps. */
  public static final int STEPS = 48;

  /** An evaluation of the validation split every this many steps. */
  public static final int EVAL_EVERY = 16;

  /** The last step's loss. */
  public static final double FINAL_LOSS = 0.25;

  /** Validation accuracy at the last evaluation, and test accuracy at the end. */
  public static final double FINAL_VALIDATION_ACCURACY = 0.875;

  public static final double FINAL_TEST_ACCURACY = 0.8125;

  /**
   * DP-SGD with secure noise and sampling, recorded as training records them; δ, q and σ with
   * many digits, to see them rounded.
   */
  public static final PrivacySettings SECURE =
      new PrivacySettings(true, 3.5, 1.9185072261236716e-4, "rdp", 0.81234567891, 1.0, "abadi",
          "all-layer", 0.053467000835421885, STEPS, "poisson, secure", "secure");

  public static final PrivacySettings SEEDED =
      new PrivacySettings(true, 3.5, 1e-5, "rdp", 0.8, 1.0, "automatic", "all-layer", 0.0625,
          STEPS, "poisson, seeded(42)", "seeded(42)");

  public static final PrivacySettings NON_PRIVATE =
      new PrivacySettings(false, 0, 0, "", 0, 0, "", "", 0, 0, "", "");

  private RunFiles() {}

  /** A manifest of a BiTFiT run of {@code model} (in {@code modelDir}) on {@code dataset}. */
  public static RunManifest manifest(
      String model, String modelDir, String dataset, List<String> labels, PrivacySettings privacy) {
    return manifest(model, modelDir, dataset, labels, privacy, "mean");
  }

  /** As {@link #manifest(String, String, String, List, PrivacySettings)}, with its pooling. */
  public static RunManifest manifest(String model, String modelDir, String dataset,
      List<String> labels, PrivacySettings privacy, String pooling) {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    sizes.put("train", 768);
    sizes.put("validation", 96);
    sizes.put("test", 96);
    return new RunManifest(
        model,
        modelDir,
        "text-classification",
        dataset,
        labels,
        32,
        pooling,
        "bitfit",
        Map.of(),
        3,
        16,
        4,
        "adam",
        5e-3,
        privacy,
        sizes,
        Map.of(),
        RunManifest.currentVersions(),
        new RunManifest.Optimization(0.05, 0, Map.of(), List.of()),
        RunOutput.defaults(),
        "",
        "fp32",
        "fp32");
  }

  /** The ε spent after step {@code s} (1-based) in {@link #writeMetrics}: √(s/T)·3. */
  public static double epsilonAfter(int step) {
    return 3 * Math.sqrt((double) step / STEPS);
  }

  /**
   * Writes {@code manifest} and a metrics.jsonl of {@link #STEPS} steps (loss falling to {@link
   * #FINAL_LOSS}, ε rising as {@link #epsilonAfter}), validation evaluations every {@link
   * #EVAL_EVERY} steps and a final test evaluation.
   */
  public static Path write(Path runDirectory, RunManifest manifest) throws IOException {
    Files.createDirectories(runDirectory);
    manifest.write(runDirectory);
    boolean dp = manifest.privacy().dp();
    try (MetricsLog log = MetricsLog.open(runDirectory.resolve(MetricsLog.FILE), 0, true)) {
      for (int step = 0; step < STEPS; step++) {
        int done = step + 1;
        double loss = FINAL_LOSS + 0.5 * (STEPS - done) / STEPS;
        ClippingStats clipping = dp ? new ClippingStats(16, 2.0, 3.0, 0.5) : ClippingStats.EMPTY;
        log.onStep(
            new StepReport(
                step,
                STEPS,
                done / 16.0,
                16,
                loss,
                5e-3,
                dp ? epsilonAfter(done) : 0,
                100,
                clipping));
        if (done % EVAL_EVERY == 0) {
          double accuracy = FINAL_VALIDATION_ACCURACY - 0.125 * (STEPS - done) / EVAL_EVERY;
          log.onEval("validation", Map.of("accuracy", accuracy));
        }
      }
      log.onEval("test", Map.of("accuracy", FINAL_TEST_ACCURACY));
    }
    return runDirectory;
  }
}
