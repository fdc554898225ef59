package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.models.Gpt2Generation;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.TinyE2e;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train --method side} on a tiny BERT under DP and a tiny GPT-2: config.json records
 * the method and its reduction, and {@code eval} and {@code predict} rebuild the side network from
 * them.
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
      assertThat(config.get("method_settings").get("side_reduction").asText()).isEqualTo("4");
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

  /**
   * A GPT-2 run: predict's greedy completion equals one generated here from the base model with a
   * side network of the recorded reduction and the run's trained parameters loaded by hand.
   */
  @Test
  void causalLmSideRun_predictGeneratesWithTheTrainedSideNetwork(@TempDir Path dir)
      throws Exception {
    Path model = TinyE2e.modelDirectory(dir.resolve("model"));
    Path trainCsv = TinyE2e.csv(dir.resolve("train.csv"), TinyE2e.rows(24, 0));
    Path run = dir.resolve("run");
    Cli train = Cli.run("train", "--task", "causal-lm", "--model", model.toString(),
        "--data", trainCsv.toString(), "--method", "side", "--side-reduction", "2", "--no-dp",
        "--epochs", "2", "--batch-size", "8", "--physical-batch-size", "8", "--lr", "1e-2",
        "--max-length", "32", "--eval-prompts", "1", "--seed", "3", "--run-dir", run.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(RunManifest.read(run).fineTuningMethod())
        .isEqualTo(new FineTuningMethod.SideNetwork(2));

    String prompt = "name : Vaults | food : Chinese";
    Path input = Files.write(dir.resolve("inputs.txt"), List.of(prompt));
    Cli predict = Cli.run("predict", "--checkpoint", run.toString(), "--input", input.toString(),
        "--max-new-tokens", "8");
    assertThat(predict.exitCode()).as(predict.err()).isZero();

    long[] words = Arrays.stream(prompt.split(" ")).mapToLong(TinyE2e::id).toArray();
    long[] ids = Arrays.copyOf(words, words.length + 1);
    ids[words.length] = TinyE2e.EOS;
    long[] ones = new long[ids.length];
    Arrays.fill(ones, 1);
    List<String> expected = new ArrayList<>();
    try (PointerScope scope = new PointerScope(); Gpt2Model gpt2 = PretrainedGpt2.load(model)) {
      new FineTuningMethod.SideNetwork(2).extend(gpt2);
      WeightLoader.LoadReport report = WeightLoader.load(
          run.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE),
          gpt2.namedParameters(), WeightLoader.Mode.LENIENT);
      assertThat(report.loaded()).contains("side.up.weight", "side.gate.0.alpha");
      assertThat(report.loaded()).allMatch(n -> n.startsWith("side."));
      gpt2.eval();
      long[] out = Gpt2Generation.greedy(gpt2, new long[][] {ids}, new long[][] {ones}, 8)[0];
      for (int t = ids.length; t < out.length && out[t] != TinyE2e.EOS; t++) {
        expected.add(TinyE2e.token(out[t]));
      }
    }
    assertThat(predict.json().get("generated").asText()).isEqualTo(String.join(" ", expected));
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
