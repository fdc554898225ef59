package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunManifestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writeThenRead_roundTrips_withSnakeCaseKeys(@TempDir Path dir) throws Exception {
    RunManifest manifest =
        new RunManifest("all-minilm-l6-v2", "/m", "text-classification", "sentiment",
            List.of("0", "1"), 64, "mean", "bitfit", Map.of(), 3, 128, 32, "adam", 5e-3,
            new RunManifest.PrivacySettings(true, 8, 1e-4, "rdp", 0.7, 1.0, "abadi", "all-layer", 0.05, 56,
                "secure", "secure"),
            Map.of("train", 2394), Map.of("train", 3L), RunManifest.currentVersions(),
            new RunManifest.Optimization(0.05, 0, Map.of("beta1", 0.9), List.of("epochs")),
            new RunOutput(10, false, Map.of("--batch-size", "128")), "spark local[2]", "bf16",
            "fp32");
    manifest.write(dir);
    assertThat(RunManifest.read(dir)).isEqualTo(manifest);
    String json = Files.readString(dir.resolve(RunManifest.FILE));
    assertThat(json).contains("\"noise_multiplier\"", "\"logical_batch_size\"", "\"model_dir\"");
  }

  /**
   * A file from before precision was recorded reads as fp32; a resume may run another precision
   * than the run's start (its machine's fallback) but not ask for another one.
   */
  @Test
  void precision_absentIsFp32_onlyTheAskedOneMustMatchOnResume(@TempDir Path dir)
      throws Exception {
    RunManifest bf16 = manifest("bf16", "bf16");
    bf16.write(dir);
    ObjectNode old = (ObjectNode) JSON.readTree(dir.resolve(RunManifest.FILE).toFile());
    old.remove(List.of("precision", "precision_used"));
    Files.writeString(dir.resolve(RunManifest.FILE), old.toString());
    RunManifest read = RunManifest.read(dir);
    assertThat(read.precision()).isEqualTo("fp32");
    assertThat(read.precisionUsed()).isEqualTo("fp32");
    assertThat(bf16.changesTo(manifest("bf16", "fp32"))).isEmpty();
    assertThat(bf16.changesTo(manifest("fp32", "fp32")))
        .containsExactly("precision: the run has \"bf16\", now \"fp32\"");
  }

  private static RunManifest manifest(String precision, String precisionUsed) {
    return new RunManifest("m", "/m", "text-classification", "d", List.of("0", "1"), 64, "mean",
        "bitfit", Map.of(), 3, 128, 32, "adam", 5e-3,
        new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", "", 0.05, 56, "secure", ""),
        Map.of("train", 2394), Map.of(), RunManifest.currentVersions(),
        new RunManifest.Optimization(0.05, 0, Map.of(), List.of()), RunOutput.defaults(), "",
        precision, precisionUsed);
  }

  @Test
  void read_missingFile_saysItIsNotARunDirectory(@TempDir Path dir) {
    assertThatThrownBy(() -> RunManifest.read(dir)).hasMessageContaining("not a run directory");
  }
}
