package io.dpft.core.tasks;

import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.models.PretrainedVit;
import io.dpft.core.models.ReferenceCheckpoints;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.models.VitModel;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.peft.LoraConfig;
import io.dpft.core.io.SafetensorsReader;
import java.io.IOException;
import org.bytedeco.pytorch.global.torch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.models.TinyBert;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.RunOutput;
import io.dpft.core.train.TrainingCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelExportTest {
  @Test
  void export_clsClassifier_mergesTrainedParameters_andReloadsFromThePrefixedNames(
      @TempDir Path tmp) throws Exception {
    Path base = Files.createDirectories(tmp.resolve("base"));
    Path run = Files.createDirectories(tmp.resolve("run"));
    try (PointerScope scope = new PointerScope();
        BertModel source = TinyBert.classifier(2, BertModel.Pooling.CLS)) {
      TinyBert.saveEncoder(base, source, name -> false);
      Files.writeString(base.resolve("tokenizer.json"), "{\"model\":{}}");
      // a "trained" checkpoint: two biases moved and a head
      Map<String, Tensor> trained = new LinkedHashMap<>();
      trained.put("encoder.layer.1.output.dense.bias",
          source.namedParameters().get("encoder.layer.1.output.dense.bias").add(new Scalar(1.5)));
      trained.put("classifier.weight", source.namedParameters().get("classifier.weight").mul(new Scalar(3)));
      trained.put("classifier.bias", source.namedParameters().get("classifier.bias").add(new Scalar(-2)));
      finishedRun(run, base, TaskKind.TEXT_CLASSIFICATION, List.of("neg", "pos"), "cls", trained);

      Path out = tmp.resolve("exported");
      ModelExport.exportRun(run, out);

      JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
      assertThat(config.get("num_labels").asInt()).isEqualTo(2);
      assertThat(config.get("id2label").get("1").asText()).isEqualTo("pos");
      assertThat(config.get("architectures").get(0).asText())
          .isEqualTo("BertForSequenceClassification");
      assertThat(out.resolve("tokenizer.json")).hasSameTextualContentAs(base.resolve("tokenizer.json"));
      PretrainedBert.Loaded reloaded =
          PretrainedBert.load(out, BertModel.Options.sequenceClassification(2, BertModel.Pooling.CLS));
      try (BertModel model = reloaded.model()) {
        assertThat(reloaded.freshlyInitialised()).isEmpty();
        Map<String, Tensor> actual = model.namedParameters();
        source.namedParameters().forEach((name, expected) -> {
          Tensor want = trained.getOrDefault(name, expected);
          assertThat(actual.get(name).equal(want)).as(name).isTrue();
        });
      }
      assertThatThrownBy(() -> ModelExport.exportRun(run, out)).isInstanceOf(Exception.class);
    }
  }

  @Test
  void export_runWithoutCheckpoint_saysWhatIsMissing(@TempDir Path tmp) throws Exception {
    manifest(tmp, TaskKind.TEXT_CLASSIFICATION, List.of("a", "b"), "mean").write(tmp);
    assertThatThrownBy(() -> ModelExport.exportRun(tmp, tmp.resolve("out")))
        .hasMessageContaining("trainable.safetensors is missing");
  }

  @Test
  void export_imageRun_reloadsAsAViTWithTheTrainedHead(@TempDir Path tmp) throws Exception {
    Path base = ReferenceCheckpoints.directory(ReferenceCheckpoints.VIT);
    Path run = Files.createDirectories(tmp.resolve("run"));
    try (PointerScope scope = new PointerScope();
        VitModel source = PretrainedVit.load(base, 3).model()) {
      Map<String, Tensor> trained = new LinkedHashMap<>();
      trained.put("classifier.weight", torch.randn(3, 32));
      trained.put("classifier.bias", torch.randn(3));
      trained.put("vit.encoder.layer.0.output.dense.bias",
          source.namedParameters().get("vit.encoder.layer.0.output.dense.bias").add(new Scalar(1)));
      finishedRun(run, base, TaskKind.IMAGE_CLASSIFICATION, List.of("x", "y", "z"), "", trained);

      Path out = tmp.resolve("exported");
      ModelExport.exportRun(run, out);

      assertThat(new ObjectMapper().readTree(out.resolve("config.json").toFile())
          .get("id2label").get("2").asText()).isEqualTo("z");
      PretrainedVit.Loaded reloaded = PretrainedVit.load(out, 3);
      try (VitModel model = reloaded.model()) {
        assertThat(reloaded.freshlyInitialised()).isEmpty();
        assertMerged(model.namedParameters(), source.namedParameters(), trained);
      }
    }
  }

  @Test
  void export_causalLmRun_reloadsAsGpt2WithTheTrainedTiedEmbedding(@TempDir Path tmp)
      throws Exception {
    Path base = ReferenceCheckpoints.directory(ReferenceCheckpoints.GPT2);
    Path run = Files.createDirectories(tmp.resolve("run"));
    try (PointerScope scope = new PointerScope();
        Gpt2Model source = PretrainedGpt2.load(base)) {
      Map<String, Tensor> trained = new LinkedHashMap<>();
      trained.put("transformer.wte.weight",
          source.namedParameters().get("transformer.wte.weight").mul(new Scalar(0.5)));
      trained.put("transformer.h.0.attn.c_attn.bias",
          source.namedParameters().get("transformer.h.0.attn.c_attn.bias").add(new Scalar(1)));
      finishedRun(run, base, TaskKind.CAUSAL_LM, List.of(), "", trained);

      Path out = tmp.resolve("exported");
      ModelExport.exportRun(run, out);

      assertThat(new ObjectMapper().readTree(out.resolve("config.json").toFile()).has("num_labels"))
          .isFalse();
      try (Gpt2Model model = PretrainedGpt2.load(out)) {
        assertMerged(model.namedParameters(), source.namedParameters(), trained);
      }
    }
  }

  /**
   * A GPT-2 LoRA run (Conv1D weights, IN_OUT): the merged export computes the LoRA model's logits;
   * the adapter has PEFT's names under the LM's own ({@code transformer.h.0.attn.c_attn}) and
   * {@code fan_in_fan_out}.
   */
  @Test
  void export_gpt2LoraRun_mergesTheUpdate_orWritesItAsAPeftAdapter(@TempDir Path tmp)
      throws Exception {
    Path base = ReferenceCheckpoints.directory(ReferenceCheckpoints.GPT2);
    Path run = Files.createDirectories(tmp.resolve("run"));
    FineTuningMethod method = new FineTuningMethod.Lora(
        new LoraConfig(2, 4, 0, LoraConfig.DEFAULT_TARGETS), false);
    try (PointerScope scope = new PointerScope();
        Gpt2Model source = PretrainedGpt2.load(base)) {
      method.extend(source);
      source.eval();
      Map<String, Tensor> trained = new LinkedHashMap<>();
      torch.manual_seed(5);
      source.namedParameters().forEach((name, t) -> {
        if (FineTuningMethod.Lora.isLowRank(name)) {
          if (name.endsWith("lora_B.weight")) {
            t.detach().copy_(torch.randn(t.shape()));
          }
          trained.put(name, t);
        }
      });
      finishedRun(run, base, TaskKind.CAUSAL_LM, List.of(), "", trained, method);
      TokenBatch tokens = TokenBatch.of(new long[][] {{1, 5, 9, 2}}, new long[][] {{1, 1, 1, 1}});
      Tensor expected = source.logits(source.forward(tokens));

      Path out = tmp.resolve("exported");
      ModelExport.exportRun(run, out);
      try (Gpt2Model merged = PretrainedGpt2.load(out)) {
        assertThat(merged.namedParameters()).noneSatisfy(
            (name, t) -> assertThat(name).contains("lora"));
        Tensor actual = merged.logits(merged.forward(tokens));
        double scale = expected.abs().max().item_double();
        assertThat(actual.sub(expected).abs().max().item_double() / scale).isLessThan(1e-5);
        assertThat(merged.namedParameters().get("transformer.h.0.attn.c_attn.weight")
            .equal(source.namedParameters().get("transformer.h.0.attn.c_attn.weight"))).isFalse();
      }

      Path adapter = tmp.resolve("adapter");
      ModelExport.exportAdapter(run, adapter);
      JsonNode config =
          new ObjectMapper().readTree(adapter.resolve("adapter_config.json").toFile());
      assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
      assertThat(config.get("fan_in_fan_out").asBoolean()).isTrue();
      assertThat(config.get("modules_to_save").isNull()).isTrue();
      assertThat(config.get("target_modules").get(0).asText())
          .isEqualTo("transformer.h.0.attn.c_attn");
      try (SafetensorsReader names =
          SafetensorsReader.open(adapter.resolve("adapter_model.safetensors"))) {
        assertThat(names.names())
            .contains("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight")
            .allSatisfy(n -> assertThat(n).matches("base_model\\.model\\.transformer\\.h\\.\\d+"
                + "\\.attn\\.c_attn\\.lora_[AB]\\.weight"));
      }
    }
  }

  /** Every parameter is the trained one where the checkpoint has it, else the base one. */
  @Test
  void export_sideNetworkRun_isRefusedWithTheAlternatives(@TempDir Path tmp) throws Exception {
    manifest(tmp, TaskKind.TEXT_CLASSIFICATION, List.of("a", "b"), "mean",
        new FineTuningMethod.SideNetwork(2)).write(tmp);
    assertThatThrownBy(() -> ModelExport.exportRun(tmp, tmp.resolve("out")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("side network")
        .hasMessageContaining("dpft predict or eval");
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  private static void assertMerged(
      Map<String, Tensor> actual, Map<String, Tensor> base, Map<String, Tensor> trained) {
    assertThat(actual.keySet()).isEqualTo(base.keySet());
    base.forEach((name, expected) -> {
      Tensor want = trained.getOrDefault(name, expected);
      assertThat(actual.get(name).equal(want)).as(name).isTrue();
    });
  }

  /** A run directory with config.json and a checkpoint holding {@code trained}. */
  private static void finishedRun(Path run, Path base, TaskKind task, List<String> labels,
      String pooling, Map<String, Tensor> trained) throws IOException {
    finishedRun(run, base, task, labels, pooling, trained, new FineTuningMethod.BitFit(false));
  }

  /** As above, of a run that trained with {@code method}. */
  private static void finishedRun(Path run, Path base, TaskKind task, List<String> labels,
      String pooling, Map<String, Tensor> trained, FineTuningMethod method) throws IOException {
    Path checkpoint = Files.createDirectories(run.resolve(RunManifest.CHECKPOINT));
    SafetensorsWriter.writeTensors(checkpoint.resolve(TrainingCheckpoint.TRAINABLE), trained, Map.of());
    TrainingCheckpoint.seal(checkpoint);
    manifest(base, task, labels, pooling, method).write(run);
  }

  private static RunManifest manifest(Path base, TaskKind task, List<String> labels, String pooling) {
    return manifest(base, task, labels, pooling, new FineTuningMethod.BitFit(false));
  }

  private static RunManifest manifest(Path base, TaskKind task, List<String> labels,
      String pooling, FineTuningMethod method) {
    return new RunManifest("tiny", base.toString(), task.cliName(), "x", labels, 16, pooling,
        method.cliName(), method.settings(), 1, 4, 4, "adam", 1e-3,
        new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", "", 0.5, 2, "secure", ""),
        Map.of("train", 8), Map.of(), RunManifest.currentVersions(), null, RunOutput.defaults(), "",
        "fp32", "fp32");
  }
}
