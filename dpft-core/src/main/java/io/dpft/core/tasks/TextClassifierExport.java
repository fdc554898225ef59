package io.dpft.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.io.SafetensorsWriter;
import io.dpft.core.models.BertConfig;
import io.dpft.core.models.BertModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A trained text classifier in the layout the Python libraries load, by its pooling.
 *
 * <ul>
 *   <li>CLS pooling is exactly Hugging Face's {@code BertForSequenceClassification} (pooler +
 *       classifier) or {@code RobertaForSequenceClassification} (its own head, no pooler): {@code
 *       config.json} names the class in {@code architectures}, the encoder's weights carry the
 *       class's prefix ({@code bert.}, {@code roberta.}), the head keeps its names, so {@code
 *       AutoModelForSequenceClassification.from_pretrained(dir)} loads it with no missing or
 *       unexpected key.
 *   <li>Mean pooling has no {@code *ForSequenceClassification} in {@code transformers}; it is
 *       written as a sentence-transformers model: the encoder at the root (as {@code AutoModel}
 *       loads it), {@code modules.json}, {@code 1_Pooling/config.json} (mean of the tokens) and
 *       the classifier as {@code 2_Dense} with the identity activation, so {@code
 *       SentenceTransformer(dir).encode(texts)} returns the logits.
 * </ul>
 *
 * Both carry {@code tokenizer.json}, {@code tokenizer_config.json} and {@code
 * special_tokens_map.json} (copied from the base model when it has them, else written for the
 * model type's special tokens).
 */
final class TextClassifierExport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HEAD = "classifier";
  private static final String WEIGHTS = "model.safetensors";
  private static final String POOLING_DIR = "1_Pooling";
  private static final String DENSE_DIR = "2_Dense";

  private TextClassifierExport() {}

  /**
   * Writes {@code model} (trained, with its head) into {@code out}.
   *
   * @param config the base model's config.json with the labels already added
   * @param maxLength tokens per example the run was trained with
   */
  static void write(
      Path out, BertModel model, ObjectNode config, Path base, int maxLength, String runDirectory)
      throws IOException {
    BertConfig.ModelType type = model.config().modelType();
    Map<String, String> metadata = Map.of("format", "pt", "dpft_run", runDirectory);
    Map<String, Tensor> encoder = new LinkedHashMap<>();
    Map<String, Tensor> head = new LinkedHashMap<>();
    model.namedParameters()
        .forEach((name, t) -> (name.startsWith(HEAD + ".") ? head : encoder).put(name, t));
    if (model.options().pooling() == BertModel.Pooling.CLS) {
      String prefix = type == BertConfig.ModelType.ROBERTA ? "roberta." : "bert.";
      Map<String, Tensor> all = new LinkedHashMap<>();
      encoder.forEach((name, t) -> all.put(prefix + name, t));
      all.putAll(head);
      config.putArray("architectures").add(
          type == BertConfig.ModelType.ROBERTA
              ? "RobertaForSequenceClassification"
              : "BertForSequenceClassification");
      config.put("problem_type", "single_label_classification");
      SafetensorsWriter.writeTensors(out.resolve(WEIGHTS), all, metadata);
      writeJson(out.resolve("config.json"), config);
    } else {
      config.putArray("architectures").add(type == BertConfig.ModelType.ROBERTA
          ? "RobertaModel" : "BertModel");
      SafetensorsWriter.writeTensors(out.resolve(WEIGHTS), encoder, metadata);
      writeJson(out.resolve("config.json"), config);
      sentenceTransformerModules(out, model, head, maxLength, metadata);
    }
    tokenizerFiles(out, base, type, maxLength);
  }

  private static void sentenceTransformerModules(
      Path out, BertModel model, Map<String, Tensor> head, int maxLength,
      Map<String, String> metadata) throws IOException {
    ArrayNode modules = JSON.createArrayNode();
    module(modules, 0, "", "sentence_transformers.models.Transformer");
    module(modules, 1, POOLING_DIR, "sentence_transformers.models.Pooling");
    module(modules, 2, DENSE_DIR, "sentence_transformers.models.Dense");
    writeJson(out.resolve("modules.json"), modules);
    writeJson(out.resolve("sentence_bert_config.json"),
        JSON.createObjectNode().put("max_seq_length", maxLength).put("do_lower_case", false));
    int d = model.config().hiddenSize();
    ObjectNode pooling = JSON.createObjectNode()
        .put("word_embedding_dimension", d)
        .put("pooling_mode_cls_token", false)
        .put("pooling_mode_mean_tokens", true)
        .put("pooling_mode_max_tokens", false)
        .put("pooling_mode_mean_sqrt_len_tokens", false);
    writeJson(Files.createDirectories(out.resolve(POOLING_DIR)).resolve("config.json"), pooling);
    Path dense = Files.createDirectories(out.resolve(DENSE_DIR));
    writeJson(dense.resolve("config.json"), JSON.createObjectNode()
        .put("in_features", d)
        .put("out_features", model.options().numLabels())
        .put("bias", true)
        .put("activation_function", "torch.nn.modules.linear.Identity"));
    Map<String, Tensor> linear = new LinkedHashMap<>();
    linear.put("linear.weight", head.get(HEAD + ".weight"));
    linear.put("linear.bias", head.get(HEAD + ".bias"));
    SafetensorsWriter.writeTensors(dense.resolve(WEIGHTS), linear, metadata);
  }

  private static void module(ArrayNode modules, int index, String path, String type) {
    modules.addObject()
        .put("idx", index)
        .put("name", Integer.toString(index))
        .put("path", path)
        .put("type", type);
  }

  /**
   * tokenizer.json, plus the base model's tokenizer_config.json and special_tokens_map.json, or
   * (when it lacks them) ones for the model type's special tokens.
   */
  private static void tokenizerFiles(Path out, Path base, BertConfig.ModelType type, int maxLength)
      throws IOException {
    Files.copy(base.resolve("tokenizer.json"), out.resolve("tokenizer.json"));
    Map<String, String> special = new LinkedHashMap<>();
    boolean roberta = type == BertConfig.ModelType.ROBERTA;
    List<String> names = List.of("cls_token", "sep_token", "pad_token", "unk_token", "mask_token");
    List<String> tokens = roberta
        ? List.of("<s>", "</s>", "<pad>", "<unk>", "<mask>")
        : List.of("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]");
    for (int i = 0; i < names.size(); i++) {
      special.put(names.get(i), tokens.get(i));
    }
    if (roberta) {
      special.put("bos_token", "<s>");
      special.put("eos_token", "</s>");
    }
    copyOrWrite(base, out, "special_tokens_map.json", JSON.valueToTree(special));
    ObjectNode tokenizerConfig = JSON.valueToTree(special);
    tokenizerConfig
        .put("tokenizer_class", roberta ? "RobertaTokenizer" : "BertTokenizer")
        .put("model_max_length", maxLength)
        .put("do_lower_case", lowercases(base.resolve("tokenizer.json")));
    copyOrWrite(base, out, "tokenizer_config.json", tokenizerConfig);
  }

  private static void copyOrWrite(Path base, Path out, String file, JsonNode generated)
      throws IOException {
    if (Files.isRegularFile(base.resolve(file))) {
      Files.copy(base.resolve(file), out.resolve(file));
    } else {
      writeJson(out.resolve(file), generated);
    }
  }

  /** Whether tokenizer.json's normalizer lowercases (BERT uncased). */
  private static boolean lowercases(Path tokenizerJson) throws IOException {
    return JSON.readTree(tokenizerJson.toFile()).path("normalizer").path("lowercase").asBoolean();
  }

  private static void writeJson(Path file, JsonNode node) throws IOException {
    Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node));
  }
}
