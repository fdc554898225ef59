package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedBertTest {
  @Test
  void load_encoderCheckpoint_keepsWeightsAndReportsTheFreshHead(@TempDir Path dir)
      throws Exception {
    try (PointerScope scope = new PointerScope();
        BertModel source = TinyBert.classifier(3, BertModel.Pooling.CLS)) {
      TinyBert.saveEncoder(dir, source, name -> false);
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
      TinyBert.saveEncoder(dir, source, "encoder.layer.0.intermediate.dense.bias"::equals);
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
