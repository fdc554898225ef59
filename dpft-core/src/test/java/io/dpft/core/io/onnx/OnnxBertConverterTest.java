package io.dpft.core.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.SafetensorsReader;
import io.dpft.core.io.TestTensors;
import io.dpft.core.io.onnx.OnnxProto.ModelProto;
import io.dpft.core.io.onnx.OnnxProto.NodeProto;
import io.dpft.core.io.onnx.OnnxProto.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Converts the real all-MiniLM-L6-v2 export (LangChain4j jar, test classpath) once and checks
 * the result against the ONNX file read independently here: linear weights are located through
 * the exporter's node names ({@code /encoder/layer.L/attention/self/query/MatMul}, the module
 * path) rather than the bias-following rule the converter uses, and compared with the transposed
 * raw initializer bytes.
 */
class OnnxBertConverterTest {
  private static final String MINILM = "all-minilm-l6-v2";
  /** Module paths of the six Linear layers of a BERT layer and their Hugging Face names. */
  private static final Map<String, String> LINEARS = new LinkedHashMap<>();

  static {
    LINEARS.put("attention/self/query", "attention.self.query");
    LINEARS.put("attention/self/key", "attention.self.key");
    LINEARS.put("attention/self/value", "attention.self.value");
    LINEARS.put("attention/output/dense", "attention.output.dense");
    LINEARS.put("intermediate/dense", "intermediate.dense");
    LINEARS.put("output/dense", "output.dense");
  }

  @TempDir static Path dir;
  private static Path onnx;
  private static Path tokenizer;
  private static Path out;
  private static OnnxBertConverter.Result result;
  private static ModelProto model;

  @BeforeAll
  static void convertOnce() throws IOException {
    onnx = extract(MINILM + ".onnx");
    tokenizer = extract(MINILM + "-tokenizer.json");
    out = dir.resolve("converted");
    result = OnnxBertConverter.convert(onnx, tokenizer, out);
    try (InputStream in = Files.newInputStream(onnx)) {
      model = ModelProto.parseFrom(in);
    }
  }

  @Test
  void config_equalsThePublishedMiniLmArchitecture() throws IOException {
    // https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/blob/main/config.json
    JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertThat(config.path("model_type").asText()).isEqualTo("bert");
    assertThat(config.path("num_hidden_layers").asInt()).isEqualTo(6);
    assertThat(config.path("hidden_size").asInt()).isEqualTo(384);
    assertThat(config.path("num_attention_heads").asInt()).isEqualTo(12);
    assertThat(config.path("intermediate_size").asInt()).isEqualTo(1536);
    assertThat(config.path("vocab_size").asInt()).isEqualTo(30522);
    assertThat(config.path("max_position_embeddings").asInt()).isEqualTo(512);
    assertThat(config.path("type_vocab_size").asInt()).isEqualTo(2);
    assertThat(config.path("layer_norm_eps").asDouble()).isEqualTo(1e-12);
    assertThat(config.path("hidden_act").asText()).isEqualTo("gelu");
    assertThat(config.path("pad_token_id").asInt()).isZero();
    assertThat(result.config().get("num_hidden_layers")).isEqualTo(6);
  }

  @Test
  void output_holdsExactlyConfigWeightsAndTheCopiedTokenizer() throws IOException {
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("config.json", "model.safetensors", "tokenizer.json");
    }
    assertThat(Files.readAllBytes(out.resolve("tokenizer.json")))
        .isEqualTo(Files.readAllBytes(tokenizer));
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no staging directories left").noneMatch(n -> n.startsWith("."));
    }
    assertThat(result.weightBytes()).isEqualTo(Files.size(out.resolve("model.safetensors")));
  }

  @Test
  void weights_everyBertModelTensorWithItsShape() throws IOException {
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("embeddings.word_embeddings.weight", new long[] {30522, 384});
    expected.put("embeddings.position_embeddings.weight", new long[] {512, 384});
    expected.put("embeddings.token_type_embeddings.weight", new long[] {2, 384});
    expected.put("embeddings.LayerNorm.weight", new long[] {384});
    expected.put("embeddings.LayerNorm.bias", new long[] {384});
    for (int l = 0; l < 6; l++) {
      String p = "encoder.layer." + l + ".";
      for (String attn : List.of("query", "key", "value")) {
        expected.put(p + "attention.self." + attn + ".weight", new long[] {384, 384});
        expected.put(p + "attention.self." + attn + ".bias", new long[] {384});
      }
      expected.put(p + "attention.output.dense.weight", new long[] {384, 384});
      expected.put(p + "attention.output.dense.bias", new long[] {384});
      expected.put(p + "attention.output.LayerNorm.weight", new long[] {384});
      expected.put(p + "attention.output.LayerNorm.bias", new long[] {384});
      expected.put(p + "intermediate.dense.weight", new long[] {1536, 384});
      expected.put(p + "intermediate.dense.bias", new long[] {1536});
      expected.put(p + "output.dense.weight", new long[] {384, 1536});
      expected.put(p + "output.dense.bias", new long[] {384});
      expected.put(p + "output.LayerNorm.weight", new long[] {384});
      expected.put(p + "output.LayerNorm.bias", new long[] {384});
    }
    try (SafetensorsReader reader = SafetensorsReader.open(out.resolve("model.safetensors"))) {
      assertThat(reader.names()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      expected.forEach((name, shape) ->
          assertThat(reader.entry(name).shape()).as(name).containsExactly(shape));
      assertThat(result.tensorCount()).isEqualTo(expected.size());
    }
  }

  @Test
  void linearWeights_equalTheTransposedOnnxInitializers() throws IOException {
    Map<String, TensorProto> initializers = initializersByName();
    int checked = 0;
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(out.resolve("model.safetensors"))) {
      for (int l = 0; l < 6; l++) {
        for (Map.Entry<String, String> linear : LINEARS.entrySet()) {
          NodeProto matMul = node("/encoder/layer." + l + "/" + linear.getKey() + "/MatMul");
          TensorProto b = initializers.get(matMul.getInput(1)); // [in, out]
          int in = (int) b.getDims(0);
          int outDim = (int) b.getDims(1);
          float[] onnxValues = rawFloats(b);
          float[] converted = TestTensors.floats(
              reader.read("encoder.layer." + l + "." + linear.getValue() + ".weight"));
          for (int i = 0; i < in; i++) {
            for (int o = 0; o < outDim; o++) {
              if (converted[o * in + i] != onnxValues[i * outDim + o]) {
                throw new AssertionError(linear.getValue() + " of layer " + l + " differs at [" + o
                    + ", " + i + "]");
              }
            }
          }
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(36);
  }

  @Test
  void namedTensors_equalTheirOnnxInitializersBitForBit() throws IOException {
    int checked = 0;
    try (PointerScope scope = new PointerScope();
        SafetensorsReader reader = SafetensorsReader.open(out.resolve("model.safetensors"))) {
      for (TensorProto t : model.getGraph().getInitializerList()) {
        if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE
            && !t.getName().startsWith("onnx::")) {
          // isEqualTo compares arrays with Arrays.equals (containsExactly is quadratic)
          assertThat(TestTensors.floats(reader.read(t.getName()))).as(t.getName())
              .isEqualTo(rawFloats(t));
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(5 + 6 * 10);
  }

  @Test
  void convert_intoNonEmptyDirectory_refusesAndKeepsIt() {
    assertThatThrownBy(() -> OnnxBertConverter.convert(onnx, tokenizer, out))
        .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(out.toString());
    assertThat(out.resolve("model.safetensors")).exists();
  }

  @Test
  void convert_layerNormsDisagreeOnEpsilon_failsNamingTheFile() throws IOException {
    ModelProto.Builder broken = model.toBuilder();
    String epsConstant = "/encoder/layer.3/output/LayerNorm/Constant_1";
    NodeProto.Builder node = broken.getGraphBuilder().getNodeBuilderList().stream()
        .filter(n -> n.getName().equals(epsConstant)).findFirst().orElseThrow();
    node.getAttributeBuilder(0).getTBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1e-5f).array()));
    Path file = save(broken.build(), "eps.onnx");
    assertThatThrownBy(() -> OnnxBertConverter.convert(file, tokenizer, dir.resolve("eps-out")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
        .hasMessageContaining("layer_norm_eps").hasMessageContaining("1.0E-5");
    assertThat(dir.resolve("eps-out")).doesNotExist();
  }

  @Test
  void convert_matMulWithoutNamedBias_failsListingTheInitializer() throws IOException {
    ModelProto.Builder broken = model.toBuilder();
    String bias = "encoder.layer.2.output.dense.bias";
    var graph = broken.getGraphBuilder();
    graph.getInitializerBuilderList().stream().filter(t -> t.getName().equals(bias))
        .forEach(t -> t.setName("onnx::Add_1"));
    graph.getNodeBuilderList().forEach(n -> {
      for (int i = 0; i < n.getInputCount(); i++) {
        if (n.getInput(i).equals(bias)) {
          n.setInput(i, "onnx::Add_1");
        }
      }
    });
    Path file = save(broken.build(), "unnamed.onnx");
    assertThatThrownBy(() -> OnnxBertConverter.convert(file, tokenizer, dir.resolve("u-out")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
        .hasMessageContaining("cannot name").hasMessageContaining("onnx::Add_1");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static NodeProto node(String name) {
    return model.getGraph().getNodeList().stream().filter(n -> n.getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no node " + name));
  }

  private static Map<String, TensorProto> initializersByName() {
    Map<String, TensorProto> byName = new LinkedHashMap<>();
    model.getGraph().getInitializerList().forEach(t -> byName.put(t.getName(), t));
    return byName;
  }

  /** Little-endian float32 raw_data as floats. */
  private static float[] rawFloats(TensorProto t) {
    float[] values = new float[t.getRawData().size() / 4];
    t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
        .get(values);
    return values;
  }

  private static Path save(ModelProto m, String name) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream os = Files.newOutputStream(file)) {
      m.writeTo(os);
    }
    return file;
  }

  static Path extract(String resource) throws IOException {
    Path file = dir.resolve(resource);
    try (InputStream in = OnnxBertConverterTest.class.getClassLoader()
        .getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the test classpath").isNotNull();
      Files.copy(in, file);
    }
    return file;
  }
}
