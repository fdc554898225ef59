package io.dpft.core.models;

import static io.dpft.core.models.ReferenceCheckpoints.VIT;
import static io.dpft.core.models.ReferenceCheckpoints.expected;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.data.datasets.image.ImageTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PretrainedVit} on variants of the tiny reference checkpoint, checked against the
 * independent PyTorch outputs in {@code reference.safetensors} ({@link ReferenceCheckpoints}).
 * The unmodified checkpoint is loaded through {@link PretrainedVit} by {@link
 * ReferenceCheckpoints#vit()} for {@link VitModelTest}.
 */
class PretrainedVitTest {
  /** Float32 here against float64 in the reference. */
  private static final double TOLERANCE = 1e-4;

  @Test
  void load_otherNumberOfLabels_keepsEncoderAndReportsFreshClassifier() throws IOException {
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      PretrainedVit.Loaded loaded = PretrainedVit.load(ReferenceCheckpoints.directory(VIT), 3);
      try (VitModel model = loaded.model()) {
        model.eval();
        assertThat(loaded.freshlyInitialised())
            .containsExactlyInAnyOrder("classifier.weight", "classifier.bias");
        Tensor pixels = expected(VIT, "pixel_values");
        assertThat(maxAbsDiff(model.forward(pixels), expected(VIT, "last_hidden_state")))
            .isLessThanOrEqualTo(TOLERANCE);
        assertThat(model.classify(pixels).shape()).containsExactly(2, 3);
      }
    }
  }

  @Test
  void load_bareVitModelCheckpointWithPooler_loadsEncoderUnderVitNames(@TempDir Path dir)
      throws IOException {
    rewrite(dir, name -> name.startsWith("classifier.") ? null : name.substring("vit.".length()));
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      Map<String, Tensor> withPooler = new LinkedHashMap<>();
      try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("model.safetensors"))) {
        for (String name : reader.names()) {
          withPooler.put(name, reader.read(name));
        }
      }
      assertThat(withPooler).containsKey("encoder.layer.0.output.dense.bias")
          .doesNotContainKey("vit.encoder.layer.0.output.dense.bias");
      withPooler.put("pooler.dense.weight", torch.randn(32, 32));
      withPooler.put("pooler.dense.bias", torch.randn(32));
      SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), withPooler, Map.of());

      PretrainedVit.Loaded loaded = PretrainedVit.load(dir, 5);
      try (VitModel model = loaded.model()) {
        model.eval();
        assertThat(loaded.freshlyInitialised())
            .containsExactlyInAnyOrder("classifier.weight", "classifier.bias");
        assertThat(maxAbsDiff(model.forward(expected(VIT, "pixel_values")),
            expected(VIT, "last_hidden_state"))).isLessThanOrEqualTo(TOLERANCE);
      }
    }
  }

  @Test
  void load_missingEncoderTensor_namesDirectoryAndTensor(@TempDir Path dir) throws IOException {
    rewrite(dir, name -> name.equals("vit.encoder.layer.1.output.dense.bias") ? null : name);
    assertThatThrownBy(() -> PretrainedVit.load(dir, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("vit.encoder.layer.1.output.dense.bias");
  }

  @Test
  void load_configWeightShapeMismatch_namesFileTensorAndShapes(@TempDir Path dir)
      throws IOException {
    rewrite(dir, UnaryOperator.identity());
    Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
        .replace("\"intermediate_size\": 37", "\"intermediate_size\": 64"));
    assertThatThrownBy(() -> PretrainedVit.load(dir, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("model.safetensors").toString())
        .hasMessageContaining("vit.encoder.layer.0.intermediate.dense.weight")
        .hasMessageContaining("[37, 32]").hasMessageContaining("[64, 32]");
  }

  @Test
  void load_notAModelDirectory_saysWhatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> PretrainedVit.load(dir, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("config.json") + " is missing");
  }

  @Test
  void load_zeroLabels_throws() {
    assertThatThrownBy(() -> PretrainedVit.load(ReferenceCheckpoints.directory(VIT), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numLabels");
  }

  @Test
  void imageTransform_noPreprocessorConfig_usesVitDefaultsAtModelSize() throws IOException {
    ImageTransform transform = PretrainedVit.imageTransform(ReferenceCheckpoints.directory(VIT));
    assertThat(transform.imageSize()).isEqualTo(16);
    assertThat(transform.channels()).isEqualTo(3);
    assertThat(transform.mean()).containsExactly(0.5f, 0.5f, 0.5f);
    assertThat(transform.std()).containsExactly(0.5f, 0.5f, 0.5f);
  }

  @Test
  void imageTransform_preprocessorConfig_meanAndStdPerChannel(@TempDir Path dir)
      throws IOException {
    rewrite(dir, UnaryOperator.identity());
    Files.writeString(dir.resolve("preprocessor_config.json"),
        "{\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": 0.25, \"size\": 224}");
    ImageTransform transform = PretrainedVit.imageTransform(dir);
    assertThat(transform.imageSize()).isEqualTo(16);
    assertThat(transform.mean()).containsExactly(0.485f, 0.456f, 0.406f);
    assertThat(transform.std()).containsExactly(0.25f, 0.25f, 0.25f);
  }

  @Test
  void imageTransform_meanOfWrongLength_namesFileAndKey(@TempDir Path dir) throws IOException {
    rewrite(dir, UnaryOperator.identity());
    Files.writeString(dir.resolve("preprocessor_config.json"), "{\"image_mean\": [0.5, 0.5]}");
    assertThatThrownBy(() -> PretrainedVit.imageTransform(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preprocessor_config.json").hasMessageContaining("image_mean");
  }

  /**
   * Copies the reference folder into {@code dir}, each tensor renamed by {@code rename} (null:
   * left out).
   */
  private static void rewrite(Path dir, UnaryOperator<String> rename) throws IOException {
    Path reference = ReferenceCheckpoints.directory(VIT);
    Files.copy(reference.resolve("config.json"), dir.resolve("config.json"));
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(reference.resolve("model.safetensors"))) {
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (String name : reader.names()) {
        String renamed = rename.apply(name);
        if (renamed != null) {
          tensors.put(renamed, reader.read(name));
        }
      }
      SafetensorsWriter.writeTensors(dir.resolve("model.safetensors"), tensors, Map.of());
    }
  }
}
