package io.dpft.cli;

import static io.dpft.cli.HuggingFaceExportTest.python;
import static io.dpft.cli.HuggingFaceExportTest.pythonHasTorch;
import static io.dpft.cli.HuggingFaceExportTest.tensorNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.runs.TrainedClassifier;
import io.dpft.core.train.RunManifest;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenEncoding;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DP-LoRA run through the CLI on a tiny BERT: config.json records the method and its settings,
 * eval and predict reload the run, a resume with another rank is refused, the merged export
 * reloads to the run's probabilities, and the adapter-only export is in PEFT's layout — applied to
 * the base weights by {@code tools/reference/apply_peft_adapter.py} (plain PyTorch, when
 * {@code /usr/bin/python3} has torch) it gives the merged export's weights.
 */
class LoraCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ADAPTER_CHECK = Path.of("../tools/reference/apply_peft_adapter.py");
  private static final List<String> TEXTS =
      List.of("good movie number 3", "bad movie number 12", "a wonderful, moving film");

  @TempDir Path dir;

  @Test
  void loraRun_recordsItsSettings_reloads_resumesOnlyWithThem_andExportsMergedAndAsAdapter()
      throws Exception {
    try (TrainedRuns runs =
        TrainedRuns.create(dir, List.of("neg", "pos"), 8, BertModel.Pooling.CLS)) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path runDir = dir.resolve("lora");
      String[] train = {"train", "--model", runs.modelDirectory.toString(),
        "--noise-multiplier", "1.0", "--epochs", "1", "--batch-size", "8",
        "--physical-batch-size", "8", "--max-length", "16", "--seed", "3", "--pooling", "cls",
        "--data", trainFile.toString(), "--run-dir", runDir.toString(), "--method", "lora",
        "--lora-rank", "4", "--clipping-style", "group-wise"};
      Cli first = Cli.run(train);
      assertThat(first.exitCode()).as(first.err()).isZero();

      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.method()).isEqualTo("lora");
      assertThat(manifest.methodSettings()).containsEntry("lora_rank", "4")
          .containsEntry("lora_alpha", "16.0").containsKey("lora_targets");
      assertThat(manifest.privacy().clippingStyle()).isEqualTo("group-wise");
      assertThat(manifest.privacy().maxGradNorm()).isEqualTo(1.0);

      Cli eval = Cli.run("eval", "--checkpoint", runDir.toString(), "--data", trainFile.toString());
      assertThat(eval.exitCode()).as(eval.err()).isZero();
      Path input = Files.write(dir.resolve("input.txt"), TEXTS);
      Cli predict = Cli.run("predict", "--checkpoint", runDir.toString(), "--input",
          input.toString());
      assertThat(predict.exitCode()).as(predict.err()).isZero();
      assertThat(predict.jsonValues()).hasSize(TEXTS.size());

      String[] otherRank = train.clone();
      otherRank[otherRank.length - 3] = "8";
      Cli resumed = Cli.run(Cli.args(otherRank, "--resume"));
      assertThat(resumed.exitCode()).isEqualTo(2);
      assertThat(resumed.err()).contains("cannot resume").contains("--lora-rank")
          .doesNotContain("at io.dpft");
      Cli again = Cli.run("train", "--run-dir", runDir.toString(), "--resume");
      assertThat(again.exitCode()).as(again.err()).isZero(); // the recorded settings match
      assertThat(RunManifest.read(runDir).methodSettings()).containsEntry("lora_rank", "4");

      Path merged = dir.resolve("merged");
      Cli export = Cli.run("export", "--run-dir", runDir.toString(), "--output", merged.toString());
      assertThat(export.exitCode()).as(export.err()).isZero();
      assertThat(tensorNames(merged.resolve("model.safetensors")))
          .noneMatch(n -> n.contains("lora"));
      assertMergedExportGivesTheRunsProbabilities(runDir, merged);

      Path adapter = dir.resolve("adapter");
      Cli adapterOnly = Cli.run("export", "--run-dir", runDir.toString(), "--output",
          adapter.toString(), "--adapter-only");
      assertThat(adapterOnly.exitCode()).as(adapterOnly.err()).isZero();
      JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
      assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
      assertThat(config.path("task_type").asText()).isEqualTo("SEQ_CLS");
      assertThat(config.path("r").asInt()).isEqualTo(4);
      assertThat(config.path("lora_alpha").asDouble()).isEqualTo(16);
      assertThat(config.path("bias").asText()).isEqualTo("none");
      assertThat(config.path("fan_in_fan_out").asBoolean()).isFalse();
      assertThat(config.path("modules_to_save").get(0).asText()).isEqualTo("classifier");
      assertThat(config.path("base_model_name_or_path").asText())
          .isEqualTo(runs.modelDirectory.toString());
      assertThat(config.path("target_modules")).extracting(JsonNode::asText).containsExactly(
          "bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.attention.self.value",
          "bert.encoder.layer.1.attention.self.query", "bert.encoder.layer.1.attention.self.value");
      assertThat(tensorNames(adapter.resolve("adapter_model.safetensors")))
          .containsExactlyInAnyOrder(
          "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
          "base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight",
          "base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight",
          "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight",
          "base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight",
          "base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.weight",
          "base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight",
          "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight",
          "base_model.model.classifier.weight", "base_model.model.classifier.bias");

      assumeTrue(pythonHasTorch(),
          "no /usr/bin/python3 with torch (apt-get install python3-torch)");
      JsonNode applied = JSON.readTree(python(ADAPTER_CHECK.toString(),
          runs.modelDirectory.toString(), adapter.toString(), merged.toString()));
      assertThat(applied.path("merged_modules").asInt()).isEqualTo(4);
      assertThat(applied.path("replaced").asInt()).isEqualTo(2);
      assertThat(applied.path("max_abs_update").asDouble()).isGreaterThan(1e-4);
      assertThat(applied.path("max_abs_diff").asDouble()).isLessThan(1e-6);
    }
  }

  @Test
  void adapterOnly_ofARunWithoutLora_exitsTwoNamingTheFlag() throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Cli cli = Cli.run("export", "--run-dir", runs.runDirectory.toString(), "--output",
          dir.resolve("out").toString(), "--adapter-only");
      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.err()).contains("--adapter-only").doesNotContain("at io.dpft");
      assertThat(dir.resolve("out")).doesNotExist();
    }
  }

  @Test
  void targetsThatMatchNoLayer_exitTwoNamingTheFlagAndSomeLayers() throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Cli cli = Cli.run("train", "--model", runs.modelDirectory.toString(), "--no-dp",
          "--epochs", "1", "--data", trainFile.toString(), "--run-dir",
          dir.resolve("r").toString(), "--method", "lora", "--lora-targets", "attn\\.c_attn$");
      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.err()).contains("--lora-targets 'attn\\.c_attn$' matches no linear layer")
          .contains("encoder.layer.0.attention.self.query").doesNotContain("at io.dpft");
    }
  }

  /** The exported directory, loaded as a plain BERT classifier, against the run reloaded. */
  private static void assertMergedExportGivesTheRunsProbabilities(Path runDir, Path merged)
      throws IOException {
    List<TextExample> examples = new ArrayList<>();
    TEXTS.forEach(t -> examples.add(TextExample.single(t, TextExample.UNLABELED)));
    float[][] expected;
    try (TrainedClassifier run = TrainedClassifier.load(runDir, null)) {
      expected = run.probabilities(examples);
    }
    PretrainedBert.Loaded loaded = PretrainedBert.load(
        merged, BertModel.Options.sequenceClassification(2, BertModel.Pooling.CLS));
    assertThat(loaded.freshlyInitialised()).isEmpty();
    try (BertModel model = loaded.model();
        TextTokenizer tokenizer = TextTokenizer.load(merged, TokenizerOptions.truncating(16));
        PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      model.eval();
      for (int i = 0; i < examples.size(); i++) {
        TokenEncoding e = tokenizer.encode(examples.get(i));
        Tensor p = torch.softmax(model.classify(TokenBatch.of(new long[][] {e.ids()},
            new long[][] {e.attentionMask()}, new long[][] {e.typeIds()})), 1,
            new org.bytedeco.pytorch.ScalarTypeOptional());
        for (int k = 0; k < 2; k++) {
          assertThat(p.get(0).get(k).item_double()).as("text %d label %d", i, k)
              .isCloseTo(expected[i][k], within(1e-5));
        }
      }
    }
  }
}
