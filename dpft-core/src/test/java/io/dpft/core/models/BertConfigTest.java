package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertConfigTest {
  @TempDir Path dir;

  /** The config.json published with sentence-transformers/all-MiniLM-L6-v2. */
  private static final String MINILM = """
      {
        "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "gradient_checkpointing": false,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 384,
        "initializer_range": 0.02,
        "intermediate_size": 1536,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": 12,
        "num_hidden_layers": 6,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "transformers_version": "4.8.2",
        "type_vocab_size": 2,
        "use_cache": true,
        "vocab_size": 30522
      }
      """;

  private Path write(String json) throws IOException {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return file;
  }

  @Test
  void read_miniLmConfig_parsesEveryField() throws IOException {
    BertConfig config = BertConfig.read(write(MINILM));
    assertThat(config).isEqualTo(new BertConfig(ModelType.BERT, 30522, 384, 6, 12, 1536,
        Activation.GELU, 0.1, 0.1, 512, 2, 1e-12, 0));
    assertThat(config.maxSequenceLength()).isEqualTo(512);
  }

  @Test
  void read_robertaWithoutPadToken_usesRobertaDefaults() throws IOException {
    BertConfig config = BertConfig.read(write("""
        {"model_type": "roberta", "vocab_size": 50265, "max_position_embeddings": 514,
         "type_vocab_size": 1, "layer_norm_eps": 1e-05}
        """));
    assertThat(config.modelType()).isEqualTo(ModelType.ROBERTA);
    assertThat(config.padTokenId()).isEqualTo(1);
    assertThat(config.maxSequenceLength()).isEqualTo(512);
    assertThat(config.hiddenSize()).isEqualTo(768); // Hugging Face default
    assertThat(config.numHiddenLayers()).isEqualTo(12);
  }

  @Test
  void read_unsupportedModelType_namesFileAndSupportedTypes() throws IOException {
    Path file = write("{\"model_type\": \"gpt2\", \"n_embd\": 768}");
    assertThatThrownBy(() -> BertConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("'gpt2'")
        .hasMessageContaining("[bert, roberta]");
  }

  @Test
  void read_headsNotDividingHidden_namesFileAndValues() throws IOException {
    Path file = write(MINILM.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 5"));
    assertThatThrownBy(() -> BertConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("hidden_size (384)")
        .hasMessageContaining("num_attention_heads (5)");
  }

  @Test
  void read_unknownActivation_listsSupported() throws IOException {
    Path file = write(MINILM.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"silu\""));
    assertThatThrownBy(() -> BertConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("'silu'");
  }

  @Test
  void read_relativePositionEmbeddings_throws() throws IOException {
    Path file = write(MINILM.replace("\"absolute\"", "\"relative_key\""));
    assertThatThrownBy(() -> BertConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("relative_key");
  }

  @Test
  void read_malformedJson_namesFile() throws IOException {
    Path file = write("{\"model_type\": \"bert\", ");
    assertThatThrownBy(() -> BertConfig.read(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void withDropout_replacesOnlyDropout_andValidates() throws IOException {
    BertConfig config = BertConfig.read(write(MINILM));
    BertConfig noDropout = config.withDropout(0, 0);
    assertThat(noDropout.hiddenDropoutProb()).isZero();
    assertThat(noDropout.attentionProbsDropoutProb()).isZero();
    assertThat(noDropout.withDropout(0.1, 0.1)).isEqualTo(config);
    assertThatThrownBy(() -> config.withDropout(0, -0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attention_probs_dropout_prob");
  }

  @Test
  void constructor_padTokenOutsideVocabulary_throws() {
    assertThatThrownBy(() -> new BertConfig(ModelType.BERT, 10, 8, 1, 2, 16, Activation.GELU, 0,
        0, 16, 2, 1e-12, 10)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pad_token_id").hasMessageContaining("10");
  }

  @Test
  void constructor_dropoutAboveOne_throws() {
    assertThatThrownBy(() -> new BertConfig(ModelType.BERT, 10, 8, 1, 2, 16, Activation.GELU, 1.5,
        0, 16, 2, 1e-12, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hidden_dropout_prob").hasMessageContaining("1.5");
  }
}
