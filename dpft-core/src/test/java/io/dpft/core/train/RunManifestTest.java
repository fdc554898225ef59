package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunManifestTest {
  @Test
  void writeThenRead_roundTrips_withSnakeCaseKeys(@TempDir Path dir) throws Exception {
    RunManifest manifest =
        new RunManifest("all-minilm-l6-v2", "/m", "text-classification", "sentiment",
            List.of("0", "1"), 64, "mean", "bitfit", Map.of(), 3, 128, 32, "adam", 5e-3,
            new RunManifest.PrivacySettings(true, 8, 1e-4, "rdp", 0.7, 1.0, "abadi", "all-layer", 0.05, 56,
                "secure", "secure"),
            Map.of("train", 2394), Map.of("train", 3L), RunManifest.currentVersions(),
            new RunManifest.Optimization(0.05, 0, Map.of("beta1", 0.9), List.of("epochs")),
            new RunOutput(10, false, Map.of("--batch-size", "128")), "spark local[2]");
    manifest.write(dir);
    assertThat(RunManifest.read(dir)).isEqualTo(manifest);
    String json = Files.readString(dir.resolve(RunManifest.FILE));
    assertThat(json).contains("\"noise_multiplier\"", "\"logical_batch_size\"", "\"model_dir\"");
  }

  @Test
  void read_missingFile_saysItIsNotARunDirectory(@TempDir Path dir) {
    assertThatThrownBy(() -> RunManifest.read(dir)).hasMessageContaining("not a run directory");
  }
}
