package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.PretrainedBert;
import io.dpft.core.models.TinyBert;
import io.dpft.core.train.RunManifest;
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
  void export_mergesTrainedParametersIntoTheBaseModel(@TempDir Path tmp) throws Exception {
    Path base = Files.createDirectories(tmp.resolve("base"));
    Path run = Files.createDirectories(tmp.resolve("run"));
    try (PointerScope scope = new PointerScope();
        BertModel source = TinyBert.classifier(2, BertModel.Pooling.MEAN)) {
      TinyBert.saveEncoder(base, source, name -> false);
      Files.writeString(base.resolve("tokenizer.json"), "{\"model\":{}}");
      // a "trained" checkpoint: two biases moved and a head
      Map<String, Tensor> trained = new LinkedHashMap<>();
      trained.put("encoder.layer.1.output.dense.bias",
          source.namedParameters().get("encoder.layer.1.output.dense.bias").add(new Scalar(1.5)));
      trained.put("classifier.weight", source.namedParameters().get("classifier.weight").mul(new Scalar(3)));
      trained.put("classifier.bias", source.namedParameters().get("classifier.bias").add(new Scalar(-2)));
      Path checkpoint = Files.createDirectories(run.resolve(RunManifest.CHECKPOINT));
      SafetensorsWriter.writeTensors(checkpoint.resolve(TrainingCheckpoint.TRAINABLE), trained, Map.of());
      new RunManifest("tiny", base.toString(), "text-classification", "x", List.of("neg", "pos"),
              16, "mean", "bitfit", 1, 4, 4, "adam", 1e-3,
              new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", 0.5, 2, "secure", ""),
              Map.of("train", 8), RunManifest.currentVersions())
          .write(run);

      Path out = tmp.resolve("exported");
      ModelExport.exportRun(run, out);

      JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
      assertThat(config.get("num_labels").asInt()).isEqualTo(2);
      assertThat(config.get("id2label").get("1").asText()).isEqualTo("pos");
      assertThat(out.resolve("tokenizer.json")).hasSameTextualContentAs(base.resolve("tokenizer.json"));
      PretrainedBert.Loaded reloaded =
          PretrainedBert.load(out, BertModel.Options.sequenceClassification(2, BertModel.Pooling.MEAN));
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
    new RunManifest("tiny", tmp.toString(), "text-classification", "x", List.of("a", "b"), 16,
            "mean", "bitfit", 1, 4, 4, "adam", 1e-3,
            new RunManifest.PrivacySettings(false, 0, 0, "", 0, 0, "", 0.5, 2, "secure", ""),
            Map.of(), RunManifest.currentVersions())
        .write(tmp);
    assertThatThrownBy(() -> ModelExport.exportRun(tmp, tmp.resolve("out")))
        .hasMessageContaining("trainable.safetensors is missing");
  }
}
