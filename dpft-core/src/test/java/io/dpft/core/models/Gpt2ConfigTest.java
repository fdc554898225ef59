package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2ConfigTest {
  private static Path write(Path dir, String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }

  @Test
  void read_referenceConfig_fillsEveryField() throws IOException {
    Gpt2Config config = Gpt2Config.read(
        ReferenceCheckpoints.directory(ReferenceCheckpoints.GPT2).resolve("config.json"));
    assertThat(config).isEqualTo(new Gpt2Config(100, 64, 32, 2, 4, 128, Activation.GELU_TANH,
        0.0, 0.0, 0.0, 1e-5, 99, 99));
  }

  @Test
  void read_onlyModelType_givesHuggingFaceGpt2SmallDefaults(@TempDir Path dir) throws IOException {
    Gpt2Config config = Gpt2Config.read(write(dir, "{\"model_type\": \"gpt2\"}"));
    // GPT2Config() in Hugging Face transformers: GPT-2 small (124M)
    assertThat(config).isEqualTo(new Gpt2Config(50257, 1024, 768, 12, 12, 3072,
        Activation.GELU_TANH, 0.1, 0.1, 0.1, 1e-5, 50256, 50256));
  }

  @Test
  void read_otherModelType_throwsNamingFileAndModelType(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"bert\"}");
    assertThatThrownBy(() -> Gpt2Config.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("model_type 'bert'")
        .hasMessageContaining("[gpt2]");
  }

  @Test
  void read_untiedLmHead_throwsNamingKey(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"gpt2\", \"tie_word_embeddings\": false}");
    assertThatThrownBy(() -> Gpt2Config.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("tie_word_embeddings");
  }

  @Test
  void read_headsNotDividingWidth_throwsNamingBothKeys(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"gpt2\", \"n_embd\": 30, \"n_head\": 4}");
    assertThatThrownBy(() -> Gpt2Config.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("n_embd (30)").hasMessageContaining("n_head (4)");
  }

  @Test
  void read_unknownActivation_throwsListingSupported(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": \"gpt2\", \"activation_function\": \"swish\"}");
    assertThatThrownBy(() -> Gpt2Config.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("swish").hasMessageContaining("gelu_new");
  }

  @Test
  void read_notJson_throwsNamingFile(@TempDir Path dir) throws IOException {
    Path file = write(dir, "{\"model_type\": ");
    assertThatThrownBy(() -> Gpt2Config.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("not a valid");
  }

  @Test
  void constructor_eosOutsideVocabulary_throws() {
    assertThatThrownBy(() -> new Gpt2Config(100, 64, 32, 2, 4, 128, Activation.GELU_TANH, 0, 0,
        0, 1e-5, 99, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("eos_token_id").hasMessageContaining("100");
  }
}
