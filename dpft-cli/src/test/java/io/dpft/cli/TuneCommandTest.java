package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.train.RunManifest;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.RdpAccountant;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpft tune} on the tiny BERT: one budget for all candidates, the best one chosen. */
class TuneCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void candidatesTogetherSpendTheBudget_andTheBestValidationAccuracyIsSelected(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = TrainedRuns.goodOrBadFilms(dir.resolve("train.csv"), 60);
      Path tuneDir = dir.resolve("tune");
      Cli run =
          Cli.run("tune", "--model", runs.modelDirectory.toString(), "--data", data.toString(),
              "--epochs", "2", "--batch-size", "8", "--max-length", "16", "--seed", "4",
              "--target-epsilon", "4", "--try", "lr=1e-3,3e-2", "--try", "batch-size=8,12",
              "--run-dir", tuneDir.toString());

      assertThat(run.exitCode()).as(run.err()).isZero();
      JsonNode tuning = JSON.readTree(tuneDir.resolve("tuning.json").toFile());
      assertThat(tuning.path("candidates")).hasSize(4);
      // independent: compose every candidate's (σ, q, steps) from its own config.json
      List<MechanismSegment> all = new ArrayList<>();
      double best = -1;
      String bestDir = null;
      for (JsonNode candidate : tuning.path("candidates")) {
        RunManifest manifest = RunManifest.read(Path.of(candidate.path("run_dir").asText()));
        assertThat(manifest.privacy().noiseMultiplier())
            .isEqualTo(tuning.path("noise_multiplier").asDouble());
        all.add(new MechanismSegment(manifest.privacy().noiseMultiplier(),
            manifest.privacy().sampleRate(), manifest.privacy().steps()));
        double accuracy = candidate.path("validation_accuracy").asDouble();
        if (accuracy > best) {
          best = accuracy;
          bestDir = candidate.path("run_dir").asText();
        }
      }
      assertThat(all.stream().map(MechanismSegment::sampleRate).distinct()).hasSize(2);
      double delta = tuning.path("delta").asDouble();
      double composed = new RdpAccountant().epsilon(all, delta).epsilon();
      assertThat(composed).isLessThanOrEqualTo(4 * (1 + 1e-9)).isGreaterThan(0.99 * 4);
      assertThat(tuning.path("total_epsilon").asDouble()).isCloseTo(composed, within(1e-9));
      assertThat(tuning.path("selected").asText()).isEqualTo(bestDir);
      assertThat(run.out()).contains("selected " + bestDir).contains("all 4 candidates together");
    }
  }

  @Test
  void aPrivacyOptionOfTheCandidates_isRefused(@TempDir Path dir) {
    Cli run = Cli.run("tune", "--no-dp", "--run-dir", dir.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--no-dp is set by dpft tune");
  }

  @Test
  void aMalformedTry_namesTheFormat(@TempDir Path dir) {
    Cli run = Cli.run("tune", "--try", "lr", "--run-dir", dir.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--try lr must be OPTION=V1,V2");
  }
}
