package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VitConfigTest {
  private static Path write(Path dir, String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void read_referenceConfig_fillsEveryField() throws IOException {
    VitConfig config = VitConfig.read(
        ReferenceCheckpoints.directory(ReferenceCheckpoints.VIT).resolve("config.json"));
    assertThat(config).isEqualTo(new VitConfig(32, 2, 4, 37, Activation.GELU, 0.0, 0.0, 1e-12,
        16, 4, 3, List.of("LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3", "LABEL_4")));
    assertThat(config.numPatches()).isEqualTo(16);
    assertThat(config.sequenceLength()).isEqualTo(17);
  }

  @Test
  void read_onlyModelType_givesHuggingFaceVitBaseDefaults(@TempDir Path dir) throws IOException {
    VitConfig config = VitConfig.read(write(dir, "{\"model_type\": \"vit\"}"));
    // ViTConfig() in Hugging Face transformers: ViT-Base/16 at 224 px, 2 labels
    assertThat(config).isEqualTo(new VitConfig(768, 12, 12, 3072, Activation.GELU, 0.0, 0.0,
        1e-12, 224, 16, 3, List.of("LABEL_0", "LABEL_1")));
    assertThat(config.sequenceLength()).isEqualTo(197);
  }

  @Test
  void read_id2label_ordersLabelsById(@TempDir Path dir) throws IOException {
    VitConfig config = VitConfig.read(write(dir, "{\"model_type\": \"vit\", "
        + "\"id2label\": {\"1\": \"dog\", \"0\": \"cat\", \"2\": \"bird\"}}"));
    assertThat(config.labels()).containsExactly("cat", "dog", "bird");
  }

  @Test
  void read_id2labelWithGap_throwsNamingKey(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"vit\", \"id2label\": {\"0\": \"a\", \"2\": \"b\"}}");
    assertThatThrownBy(() -> VitConfig.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("id2label");
  }

  @Test
  void read_otherModelType_throwsNamingFileAndModelType(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"deit\"}");
    assertThatThrownBy(() -> VitConfig.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("model_type 'deit'")
        .hasMessageContaining("[vit]");
  }

  @Test
  void read_noQkvBias_throwsNamingKey(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"vit\", \"qkv_bias\": false}");
    assertThatThrownBy(() -> VitConfig.read(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("qkv_bias");
  }

  @Test
  void read_patchNotDividingImage_throwsNamingBothKeys(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"vit\", \"image_size\": 30, \"patch_size\": 16}");
    assertThatThrownBy(() -> VitConfig.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image_size (30)").hasMessageContaining("patch_size (16)");
  }
}
