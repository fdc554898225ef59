package io.dpft.core.io.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.AtomicFiles;
import io.dpft.core.io.SafetensorsCheckpoint;
import io.dpft.core.io.SafetensorsDType;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.io.onnx.OnnxProto.NodeProto;
import io.dpft.core.io.onnx.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Converts a BERT encoder exported to ONNX by {@code torch.onnx} (the exports bundled with
 * LangChain4j's embedding models: all-MiniLM-L6-v2, bge-small-en-v1.5) into a Hugging Face model
 * directory: {@code config.json}, {@code model.safetensors} (float32) and {@code tokenizer.json}.
 * Pure Java (protobuf), no libtorch.
 *
 * <p><b>Weights.</b> Embeddings, biases and LayerNorm parameters keep their Hugging Face
 * {@code BertModel} names in the export (a leading {@code bert.} is stripped). Linear weights do
 * not: the exporter folds {@code y = x Wᵀ + b} into {@code MatMul(x, B) + b} with an anonymous
 * initializer {@code B = Wᵀ} of shape {@code [in, out]} ({@code onnx::MatMul_NNN}). Each such
 * {@code B} is named by following the graph from its MatMul to the Add that adds a named bias
 * ({@code ….dense.bias} → {@code ….dense.weight}) and transposed back to torch's
 * {@code [out, in]}.
 *
 * <p><b>Config.</b> Sizes come from the weight shapes (vocabulary, hidden, intermediate,
 * positions, token types, layer count); {@code num_attention_heads} from the constant
 * {@code [batch, seq, heads, headDim]} target of the Reshape that splits each query/key/value
 * projection into heads (Vaswani et al. 2017, "Attention is all you need", §3.2.2; BERT: Devlin
 * et al. 2019); {@code layer_norm_eps} from the ε constant inside every LayerNorm ({@code Sqrt(
 * ReduceMean((x-μ)²) + ε)}, or a {@code LayerNormalization} node's attribute); the activation
 * must be the erf form of GELU (Hendrycks &amp; Gimpel 2016). Anything that cannot be derived
 * fails with a message naming the file and what is missing. The output is checked to be exactly
 * the tensor set of a Hugging Face {@code BertModel} of that config (pooler optional).
 */
public final class OnnxBertConverter {
  public static final String CONFIG_FILE = "config.json";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  private static final Pattern DOTTED_NAME = Pattern.compile("[A-Za-z_]\\w*(\\.\\w+)+");
  private static final Pattern LAYER_INDEX = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
  private static final String STRIPPED_PREFIX = "bert.";
  private static final float ONNX_LAYER_NORM_DEFAULT_EPS = 1e-5f;

  private OnnxBertConverter() {}

  /**
   * What was written: the output directory, the {@code config.json} content, the number of
   * tensors and the size of {@code model.safetensors} in bytes.
   */
  public record Result(Path directory, Map<String, Object> config, int tensorCount,
      long weightBytes) {
    public Result {
      config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }
  }

  /** One weight under its Hugging Face name: the ONNX value name it came from and its data. */
  private record Weight(String onnxName, long[] shape, ByteBuffer data) {}

  /** The BERT hyper-parameters read off the graph, validated. */
  private record Architecture(int vocabSize, int hiddenSize, int numHiddenLayers,
      int numAttentionHeads, int intermediateSize, int maxPositionEmbeddings, int typeVocabSize,
      float layerNormEps, int padTokenId) {
    Architecture {
      if (Math.min(Math.min(vocabSize, hiddenSize), Math.min(numHiddenLayers, numAttentionHeads))
          < 1 || Math.min(intermediateSize, Math.min(maxPositionEmbeddings, typeVocabSize)) < 1
          || hiddenSize % numAttentionHeads != 0 || !(layerNormEps > 0)) {
        throw new IllegalArgumentException("inconsistent BERT architecture: " + this);
      }
    }

    Map<String, Object> toConfig() {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("architectures", List.of("BertModel"));
      c.put("model_type", "bert");
      c.put("vocab_size", vocabSize);
      c.put("hidden_size", hiddenSize);
      c.put("num_hidden_layers", numHiddenLayers);
      c.put("num_attention_heads", numAttentionHeads);
      c.put("intermediate_size", intermediateSize);
      c.put("hidden_act", "gelu");
      c.put("max_position_embeddings", maxPositionEmbeddings);
      c.put("type_vocab_size", typeVocabSize);
      c.put("layer_norm_eps", Double.parseDouble(Float.toString(layerNormEps)));
      c.put("pad_token_id", padTokenId);
      c.put("position_embedding_type", "absolute");
      // not recoverable from an inference graph: BertConfig's defaults
      c.put("hidden_dropout_prob", 0.1);
      c.put("attention_probs_dropout_prob", 0.1);
      c.put("initializer_range", 0.02);
      c.put("torch_dtype", "float32");
      return c;
    }
  }

  /**
   * Converts {@code onnx} into a new Hugging Face directory {@code outDir}, copying
   * {@code tokenizerJson} into it. The directory is assembled next to {@code outDir} and renamed
   * into place in one step, so {@code outDir} is either complete or absent.
   *
   * @throws FileAlreadyExistsException if {@code outDir} exists and is not empty
   * @throws IllegalArgumentException naming the file if the graph is not a BERT encoder export
   */
  public static Result convert(Path onnx, Path tokenizerJson, Path outDir) throws IOException {
    for (Path input : List.of(onnx, tokenizerJson)) {
      if (!Files.isRegularFile(input)) {
        throw new NoSuchFileException(input.toString(), null, "conversion input not found");
      }
    }
    if (Files.exists(outDir) && !isEmptyDirectory(outDir)) {
      throw new FileAlreadyExistsException(outDir.toString(), null,
          "output directory exists and is not empty; choose a new one or remove it");
    }
    OnnxGraph graph = OnnxGraph.read(onnx);
    Map<String, Weight> weights = nameWeights(graph);
    Architecture arch = architecture(graph, weights, new ObjectMapper().readTree(
        tokenizerJson.toFile()), tokenizerJson);
    checkBertModelTensors(onnx, weights, arch);

    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    weights.forEach((name, w) ->
        entries.add(new SafetensorsWriter.Entry(name, SafetensorsDType.F32, w.shape(), w.data())));
    Map<String, Object> config = arch.toConfig();
    Path staging = AtomicFiles.createStagingDirectory(outDir);
    try {
      Path weightsFile = staging.resolve(SafetensorsCheckpoint.SINGLE_FILE);
      SafetensorsWriter.write(weightsFile, entries,
          Map.of("format", "pt", "converted_from", onnx.getFileName().toString()));
      AtomicFiles.writeJson(staging.resolve(CONFIG_FILE), config);
      AtomicFiles.writeBytes(staging.resolve(TOKENIZER_FILE), Files.readAllBytes(tokenizerJson));
      long weightBytes = Files.size(weightsFile);
      AtomicFiles.publishDirectory(staging, outDir);
      return new Result(outDir, config, entries.size(), weightBytes);
    } finally {
      AtomicFiles.deleteRecursively(staging); // gone after a successful publish
    }
  }

  // ---- weights ------------------------------------------------------------------------------

  private static Map<String, Weight> nameWeights(OnnxGraph g) {
    Map<String, Weight> weights = new TreeMap<>();
    List<String> unnamed = new ArrayList<>();
    for (TensorProto t : g.initializers()) {
      if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
        skipIndexBuffer(g, t);
        continue;
      }
      Optional<String> hfName = hfName(t.getName());
      Weight weight;
      if (hfName.isPresent()) {
        weight = new Weight(t.getName(), OnnxGraph.dims(t), g.floatBytes(t));
      } else {
        hfName = linearWeightName(g, t);
        if (hfName.isEmpty()) {
          unnamed.add(t.getName() + " " + t.getDimsList());
          continue;
        }
        weight = transposed(g, t);
      }
      if (weights.put(hfName.get(), weight) != null) {
        throw new IllegalArgumentException(g.file() + ": two initializers give weight '"
            + hfName.get() + "'");
      }
    }
    if (!unnamed.isEmpty()) {
      throw new IllegalArgumentException(g.file() + ": cannot name " + unnamed.size()
          + " initializer(s), which are neither Hugging Face names nor the [in, out] weight of a"
          + " MatMul followed by an Add of a named '.bias': " + unnamed);
    }
    return weights;
  }

  /** The Hugging Face name of a named parameter, e.g. {@code embeddings.LayerNorm.weight}. */
  private static Optional<String> hfName(String onnxName) {
    if (!DOTTED_NAME.matcher(onnxName).matches()) {
      return Optional.empty();
    }
    return Optional.of(onnxName.startsWith(STRIPPED_PREFIX)
        ? onnxName.substring(STRIPPED_PREFIX.length()) : onnxName);
  }

  /**
   * {@code X.weight} if {@code t} ({@code [in, out]}) is only used as {@code MatMul(x, t)} whose
   * result only feeds {@code Add} with the named bias {@code X.bias} of shape {@code [out]}.
   */
  private static Optional<String> linearWeightName(OnnxGraph g, TensorProto t) {
    List<NodeProto> users = g.consumers(t.getName());
    if (t.getDimsCount() != 2 || users.size() != 1 || !users.get(0).getOpType().equals("MatMul")
        || !users.get(0).getInput(1).equals(t.getName())) {
      return Optional.empty();
    }
    String product = users.get(0).getOutput(0);
    List<NodeProto> next = g.consumers(product);
    if (next.size() != 1 || !next.get(0).getOpType().equals("Add")) {
      return Optional.empty();
    }
    return next.get(0).getInputList().stream()
        .filter(input -> !input.equals(product))
        .flatMap(input -> g.constant(input).stream())
        .filter(bias -> bias.getDimsCount() == 1 && bias.getDims(0) == t.getDims(1))
        .flatMap(bias -> hfName(bias.getName()).stream())
        .filter(name -> name.endsWith(".bias"))
        .map(name -> name.substring(0, name.length() - "bias".length()) + "weight")
        .findFirst();
  }

  /** {@code t} ({@code [in, out]}) as torch's {@code [out, in]} Linear weight. */
  private static Weight transposed(OnnxGraph g, TensorProto t) {
    int in = Math.toIntExact(t.getDims(0));
    int out = Math.toIntExact(t.getDims(1));
    FloatBuffer src = g.floatBytes(t).asFloatBuffer();
    ByteBuffer bytes = ByteBuffer.allocate(in * out * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer dst = bytes.asFloatBuffer();
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        dst.put(o * in + i, src.get(i * out + o));
      }
    }
    return new Weight(t.getName(), new long[] {out, in}, bytes);
  }

  /**
   * Integer initializers are index buffers, not parameters. The only one a BERT export holds is
   * {@code position_ids = [0, 1, …, n-1]}, which Hugging Face recreates and does not save.
   */
  private static void skipIndexBuffer(OnnxGraph g, TensorProto t) {
    boolean positions = t.getName().endsWith("position_ids")
        && t.getDataType() == TensorProto.DataType.INT64_VALUE;
    long[] values = positions ? g.longs(t) : new long[0];
    for (int i = 0; positions && i < values.length; i++) {
      positions = values[i] == i;
    }
    if (!positions) {
      throw new IllegalArgumentException(g.file() + ": unsupported initializer '" + t.getName()
          + "' (ONNX data type " + t.getDataType() + ", shape " + t.getDimsList()
          + "): only float32 weights and a 0..n-1 position_ids buffer are expected");
    }
  }

  // ---- config -------------------------------------------------------------------------------

  private static Architecture architecture(OnnxGraph g, Map<String, Weight> weights,
      JsonNode tokenizer, Path tokenizerFile) {
    long[] words = shapeOf(g, weights, "embeddings.word_embeddings.weight");
    long[] positions = shapeOf(g, weights, "embeddings.position_embeddings.weight");
    long[] types = shapeOf(g, weights, "embeddings.token_type_embeddings.weight");
    Set<Integer> layerIndices = new TreeSet<>();
    for (String name : weights.keySet()) {
      Matcher m = LAYER_INDEX.matcher(name);
      if (m.find()) {
        layerIndices.add(Integer.parseInt(m.group(1)));
      }
    }
    int layers = layerIndices.size();
    if (layers == 0 || !layerIndices.contains(0) || !layerIndices.contains(layers - 1)) {
      throw new IllegalArgumentException(g.file() + ": encoder layers must be numbered 0..n-1, "
          + "found " + layerIndices);
    }
    int hidden = Math.toIntExact(words[1]);
    int vocab = Math.toIntExact(words[0]);
    requireGeluErf(g, weights, layers);
    return new Architecture(vocab, hidden, layers, attentionHeads(g, weights, layers, hidden),
        Math.toIntExact(shapeOf(g, weights, "encoder.layer.0.intermediate.dense.weight")[0]),
        Math.toIntExact(positions[0]), Math.toIntExact(types[0]), layerNormEps(g, weights),
        padTokenId(tokenizer, tokenizerFile, vocab));
  }

  private static long[] shapeOf(OnnxGraph g, Map<String, Weight> weights, String name) {
    Weight w = weights.get(name);
    if (w == null || w.shape().length != 2) {
      throw new IllegalArgumentException(g.file() + ": not a BERT encoder export: no 2-d weight '"
          + name + "' (found " + weights.size() + " weights)");
    }
    return w.shape();
  }

  /**
   * Heads from the Reshape that splits each projection {@code [B, T, hidden]} into
   * {@code [B, T, heads, hidden/heads]}; every query/key/value of every layer must agree.
   */
  private static int attentionHeads(OnnxGraph g, Map<String, Weight> weights, int layers,
      int hidden) {
    Set<Long> heads = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      for (String projection : List.of("query", "key", "value")) {
        String bias = "encoder.layer." + layer + ".attention.self." + projection + ".bias";
        Optional<long[]> target = Optional.ofNullable(weights.get(bias))
            .flatMap(w -> singleConsumer(g, w.onnxName(), "Add"))
            .flatMap(add -> g.consumers(add.getOutput(0)).stream()
                .filter(n -> n.getOpType().equals("Reshape"))
                .filter(n -> n.getInput(0).equals(add.getOutput(0))).findFirst())
            .flatMap(reshape -> constantShape(g, reshape.getInput(1)));
        if (target.isEmpty() || target.get().length != 4 || target.get()[2] < 1
            || target.get()[2] * target.get()[3] != hidden) {
          problems.add(bias + " -> " + target.map(Arrays::toString).orElse("no constant Reshape"));
        } else {
          heads.add(target.get()[2]);
        }
      }
    }
    if (!problems.isEmpty() || heads.size() != 1) {
      throw new IllegalArgumentException(g.file() + ": cannot derive num_attention_heads: the"
          + " Reshape after each query/key/value projection must have a constant target [batch,"
          + " seq, heads, " + hidden + "/heads]; heads found " + heads + ", problems " + problems);
    }
    return Math.toIntExact(heads.iterator().next());
  }

  /**
   * The target shape fed to a Reshape: a constant, or a Concat of pieces where a non-constant
   * piece (a dynamic batch or sequence size) counts as one unknown entry, -1.
   */
  private static Optional<long[]> constantShape(OnnxGraph g, String value) {
    Optional<TensorProto> constant = g.constant(value);
    if (constant.isPresent()) {
      return Optional.of(g.longs(constant.get()));
    }
    return g.producer(value).filter(n -> n.getOpType().equals("Concat")).map(concat ->
        concat.getInputList().stream().flatMapToLong(piece -> g.constant(piece)
            .map(t -> Arrays.stream(g.longs(t))).orElse(Arrays.stream(new long[] {-1})))
            .toArray());
  }

  /** ε of every LayerNorm; all must agree. */
  private static float layerNormEps(OnnxGraph g, Map<String, Weight> weights) {
    Map<String, Optional<Float>> eps = new TreeMap<>();
    weights.forEach((name, w) -> {
      if (name.endsWith("LayerNorm.weight")) {
        eps.put(name, layerNormEps(g, w.onnxName()));
      }
    });
    Set<Float> values = new TreeSet<>();
    eps.values().forEach(e -> e.ifPresent(values::add));
    if (eps.isEmpty() || values.size() != 1 || eps.containsValue(Optional.empty())) {
      throw new IllegalArgumentException(g.file() + ": cannot derive layer_norm_eps: expected"
          + " one ε shared by all LayerNorms (LayerNormalization, or"
          + " Mul(Div(x-μ, Sqrt(var + ε)), weight)), found " + eps);
    }
    return values.iterator().next();
  }

  private static Optional<Float> layerNormEps(OnnxGraph g, String weight) {
    for (NodeProto user : g.consumers(weight)) {
      if (user.getOpType().equals("LayerNormalization")) {
        return Optional.of(OnnxGraph.attribute(user, "epsilon").map(a -> a.getF())
            .orElse(ONNX_LAYER_NORM_DEFAULT_EPS));
      }
      if (user.getOpType().equals("Mul")) {
        String normalized = user.getInput(0).equals(weight) ? user.getInput(1) : user.getInput(0);
        return g.producer(normalized).filter(n -> n.getOpType().equals("Div"))
            .flatMap(div -> g.producer(div.getInput(1)))
            .filter(n -> n.getOpType().equals("Sqrt"))
            .flatMap(sqrt -> g.producer(sqrt.getInput(0)))
            .filter(n -> n.getOpType().equals("Add"))
            .flatMap(add -> add.getInputList().stream()
                .flatMap(in -> g.constant(in).flatMap(g::scalarFloat).stream()).findFirst());
      }
    }
    return Optional.empty();
  }

  /** The intermediate activation must be exact GELU, x·Φ(x) = x/2·(1 + erf(x/√2)). */
  private static void requireGeluErf(OnnxGraph g, Map<String, Weight> weights, int layers) {
    for (int layer = 0; layer < layers; layer++) {
      String bias = "encoder.layer." + layer + ".intermediate.dense.bias";
      Set<String> ops = new TreeSet<>();
      Optional<NodeProto> add = Optional.ofNullable(weights.get(bias))
          .flatMap(w -> singleConsumer(g, w.onnxName(), "Add"));
      Deque<String> frontier = new ArrayDeque<>();
      add.ifPresent(a -> frontier.add(a.getOutput(0)));
      for (int depth = 0; depth < 3 && !frontier.isEmpty(); depth++) {
        List<String> values = new ArrayList<>(frontier);
        frontier.clear();
        for (String v : values) {
          for (NodeProto n : g.consumers(v)) {
            ops.add(n.getOpType());
            frontier.addAll(n.getOutputList());
          }
        }
      }
      if (!ops.contains("Erf") && !ops.contains("Gelu")) {
        throw new IllegalArgumentException(g.file() + ": layer " + layer + ": unsupported"
            + " intermediate activation; expected erf GELU (hidden_act \"gelu\"), found ops "
            + ops + " after " + bias);
      }
    }
  }

  private static Optional<NodeProto> singleConsumer(OnnxGraph g, String value, String opType) {
    List<NodeProto> users = g.consumers(value);
    return users.size() == 1 && users.get(0).getOpType().equals(opType)
        ? Optional.of(users.get(0)) : Optional.empty();
  }

  /**
   * {@code [PAD]}'s id in the tokenizer's vocabulary (BertConfig's default 0 if it has none);
   * also checks that every token id fits the embedding table.
   */
  private static int padTokenId(JsonNode tokenizer, Path tokenizerFile, int vocabSize) {
    JsonNode vocab = tokenizer.path("model").path("vocab");
    if (!vocab.isObject() || vocab.isEmpty()) {
      throw new IllegalArgumentException(tokenizerFile + ": expected a tokenizers JSON with a"
          + " model.vocab object (WordPiece), found none");
    }
    long maxId = 0;
    for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
      maxId = Math.max(maxId, id.asLong());
    }
    for (JsonNode added : tokenizer.path("added_tokens")) {
      maxId = Math.max(maxId, added.path("id").asLong());
    }
    if (maxId >= vocabSize) {
      throw new IllegalArgumentException(tokenizerFile + ": token id " + maxId
          + " does not fit the model's " + vocabSize + " word embeddings; wrong tokenizer?");
    }
    return vocab.has("[PAD]") ? vocab.get("[PAD]").asInt() : 0;
  }

  // ---- output check -------------------------------------------------------------------------

  /** The converted tensors must be exactly those of a Hugging Face BertModel (pooler optional). */
  private static void checkBertModelTensors(Path onnx, Map<String, Weight> weights,
      Architecture a) {
    long h = a.hiddenSize();
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("embeddings.word_embeddings.weight", new long[] {a.vocabSize(), h});
    expected.put("embeddings.position_embeddings.weight",
        new long[] {a.maxPositionEmbeddings(), h});
    expected.put("embeddings.token_type_embeddings.weight", new long[] {a.typeVocabSize(), h});
    expected.put("embeddings.LayerNorm.weight", new long[] {h});
    expected.put("embeddings.LayerNorm.bias", new long[] {h});
    for (int l = 0; l < a.numHiddenLayers(); l++) {
      String p = "encoder.layer." + l + ".";
      for (String proj : List.of("attention.self.query", "attention.self.key",
          "attention.self.value", "attention.output.dense")) {
        expected.put(p + proj + ".weight", new long[] {h, h});
        expected.put(p + proj + ".bias", new long[] {h});
      }
      expected.put(p + "intermediate.dense.weight", new long[] {a.intermediateSize(), h});
      expected.put(p + "intermediate.dense.bias", new long[] {a.intermediateSize()});
      expected.put(p + "output.dense.weight", new long[] {h, a.intermediateSize()});
      expected.put(p + "output.dense.bias", new long[] {h});
      for (String norm : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
        expected.put(p + norm + ".weight", new long[] {h});
        expected.put(p + norm + ".bias", new long[] {h});
      }
    }
    if (weights.containsKey("pooler.dense.weight") || weights.containsKey("pooler.dense.bias")) {
      expected.put("pooler.dense.weight", new long[] {h, h});
      expected.put("pooler.dense.bias", new long[] {h});
    }
    List<String> problems = new ArrayList<>();
    expected.forEach((name, shape) -> {
      Weight w = weights.get(name);
      if (w == null) {
        problems.add("missing " + name);
      } else if (!Arrays.equals(w.shape(), shape)) {
        problems.add(name + " has shape " + Arrays.toString(w.shape()) + ", expected "
            + Arrays.toString(shape));
      }
    });
    weights.keySet().stream().filter(n -> !expected.containsKey(n))
        .forEach(n -> problems.add("unexpected " + n));
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(onnx + ": the weights do not form a BertModel of the"
          + " derived config: " + problems);
    }
  }

  private static boolean isEmptyDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
