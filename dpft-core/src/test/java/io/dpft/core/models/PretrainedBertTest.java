package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedBertTest {
  private static final String CONFIG =
      "{\"model_type\":\"bert\",\"vocab_size\":23,\"hidden_size\":8,\"num_hidden_layers\":2,"
          + "\"num_attention_heads\":2,\"intermediate_size\":16,\"hidden_act\":\"gelu\","
          + "\"hidden_dropout_prob\":0.0,\"attention_probs_dropout_prob\":0.0,"
          + "\"max_position_embeddings\":16,\"type_vocab_size\":2,\"pad_token_id\":0}";

  /** Saves an encoder the way HF task checkpoints store it (under {@code bert.}). */
  private static void saveEncoder(Path dir, BertModel source, String skip) throws Exception {
    Files.writeString(dir.resolve("config.json"), CONFIG);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    source.namedParameters().forEach((name, t) -> {
      if (!name.startsWith("classifier.") && !name.equals(skip)) {
        tensors.put("bert." + name, t);
      }
    });
    SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), tensors, Map.of());
  }

  @Test
  void load_encoderCheckpoint_keepsWeightsAndReportsTheFreshHead(@TempDir Path dir)
      throws Exception {
    try (PointerScope scope = new PointerScope();
        BertModel source = TinyBert.classifier(3, BertModel.Pooling.CLS)) {
      saveEncoder(dir, source, "");
      PretrainedBert.Loaded loaded =
          PretrainedBert.load(dir, BertModel.Options.sequenceClassification(3, BertModel.Pooling.CLS));
      try (BertModel model = loaded.model()) {
        assertThat(loaded.freshlyInitialised()).containsExactly("classifier.weight", "classifier.bias");
        Tensor expected = source.namedParameters().get("encoder.layer.1.output.dense.weight");
        Tensor actual = model.namedParameters().get("encoder.layer.1.output.dense.weight");
        assertThat(actual.equal(expected)).isTrue();
      }
    }
  }

  @Test
  void load_missingEncoderTensor_namesIt(@TempDir Path dir) throws Exception {
    try (PointerScope scope = new PointerScope();
        BertModel source = TinyBert.classifier(3, BertModel.Pooling.CLS)) {
      saveEncoder(dir, source, "encoder.layer.0.intermediate.dense.bias");
      assertThatThrownBy(
              () ->
                  PretrainedBert.load(
                      dir, BertModel.Options.sequenceClassification(3, BertModel.Pooling.CLS)))
          .hasMessageContaining("encoder.layer.0.intermediate.dense.bias")
          .hasMessageContaining(dir.toString());
    }
  }

  @Test
  void load_notAModelDirectory_saysWhatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> PretrainedBert.load(dir, BertModel.Options.encoder()))
        .hasMessageContaining("config.json is missing");
  }
}
