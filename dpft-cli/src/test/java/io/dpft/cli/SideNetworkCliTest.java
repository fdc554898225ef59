package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train --method side} on a tiny BERT under DP: config.json records the method and its
 * reduction, and {@code eval} and {@code predict} rebuild the side network from them.
 */
class SideNetworkCliTest {
  @Test
  void sideRun_recordsItsReduction_andEvalPredictReloadIt(@TempDir Path dir) throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path devFile = TrainCommandTest.csv(dir.resolve("dev.csv"), 12, 100);
      Path runDir = dir.resolve("side");
      Cli train = Cli.run("train", "--model", runs.modelDirectory.toString(), "--method", "side",
          "--side-reduction", "4", "--epochs", "1", "--batch-size", "8",
          "--physical-batch-size", "8", "--max-length", "16", "--seed", "3",
          "--run-dir", runDir.toString(), "--data", trainFile.toString(),
          "--validation-data", devFile.toString());
      assertThat(train.exitCode()).as(train.err()).isZero();

      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.fineTuningMethod()).isEqualTo(new FineTuningMethod.SideNetwork(4));
      JsonNode config = new ObjectMapper().readTree(runDir.resolve("config.json").toFile());
      assertThat(config.get("method").asText()).isEqualTo("side");
      assertThat(config.get("method_settings").get("reduction").asText()).isEqualTo("4");
      try (SafetensorsReader trained = SafetensorsReader.open(
          runDir.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE))) {
        assertThat(trained.names()).contains("side.gate.1.alpha", "side.up.weight",
            "classifier.weight");
        assertThat(trained.entry("side.down.0.weight").shape()).containsExactly(2, 8); // 8 / 4
        assertThat(trained.names()).allMatch(n -> n.startsWith("side.") || n.startsWith("classifier"));
      }

      Cli eval = Cli.run("eval", "--checkpoint", runDir.toString(), "--data", devFile.toString(),
          "--json");
      assertThat(eval.exitCode()).as(eval.err()).isZero();
      assertThat(eval.json().get("accuracy").asDouble()).isEqualTo(testAccuracy(runDir));

      Path input = Files.write(dir.resolve("texts.txt"), List.of("good movie", "awful movie"));
      Cli predict = Cli.run("predict", "--checkpoint", runDir.toString(), "--input",
          input.toString());
      assertThat(predict.exitCode()).as(predict.err()).isZero();
      assertThat(predict.jsonValues()).hasSize(2);

      Cli export = Cli.run("export", "--checkpoint", runDir.toString(), "--out",
          dir.resolve("hf").toString());
      assertThat(export.exitCode()).isEqualTo(2);
      assertThat(export.errLines()).hasSize(1);
      assertThat(export.err()).contains("side network").contains("dpft predict or eval");
    }
  }

  /** The test accuracy the training run itself measured, with its side network in memory. */
  private static double testAccuracy(Path runDir) throws Exception {
    List<Double> out = new ArrayList<>();
    for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
      JsonNode node = new ObjectMapper().readTree(line);
      if (node.path("split").asText().equals("test")) {
        out.add(node.get("accuracy").asDouble());
      }
    }
    assertThat(out).hasSize(1);
    return out.get(0);
  }
}
