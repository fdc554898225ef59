package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.models.BertModel;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.tokenize.TextTokenizer;
import io.dpft.data.tokenize.TokenEncoding;
import io.dpft.data.tokenize.TokenizerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft export} of a text classifier, read back by {@code tools/reference/read_hf_classifier.py}
 * (plain PyTorch reading the directory as {@code from_pretrained} / {@code SentenceTransformer}
 * would) when {@code /usr/bin/python3} has torch (Debian's python3-torch); its logits must equal
 * those of the trained model kept in memory. The layout checks run without Python.
 */
class HuggingFaceExportTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path READER = Path.of("../tools/reference/read_hf_classifier.py");
  private static final List<String> LABELS = List.of("neg", "neutral", "pos");
  private static final List<String> TEXTS =
      List.of("a wonderful, moving film", "never again", "the battery lasts for days, truly");

  @TempDir Path dir;

  private Path export(TrainedRuns runs) {
    Path out = dir.resolve("exported");
    Cli cli =
        Cli.run("export", "--run-dir", runs.runDirectory.toString(), "--output", out.toString());
    assertThat(cli.exitCode()).as(cli.err()).isZero();
    return out;
  }

  @Test
  void clsPooled_isABertForSequenceClassification_withTheTrainedLogits() throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, LABELS, 8, BertModel.Pooling.CLS)) {
      Path out = export(runs);

      JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
      assertThat(config.path("architectures").get(0).asText())
          .isEqualTo("BertForSequenceClassification");
      assertThat(config.path("id2label").path("2").asText()).isEqualTo("pos");
      assertThat(config.path("label2id").path("neutral").asInt()).isEqualTo(1);
      assertThat(config.has("dpft_pooling")).isFalse();
      assertThat(out.resolve("tokenizer.json")).isRegularFile();
      assertThat(JSON.readTree(out.resolve("special_tokens_map.json").toFile()).path("cls_token")
          .asText()).isEqualTo("[CLS]");
      assertThat(JSON.readTree(out.resolve("tokenizer_config.json").toFile())
          .path("do_lower_case").asBoolean()).isTrue(); // all-MiniLM's tokenizer is uncased
      List<String> names = tensorNames(out.resolve("model.safetensors"));
      assertThat(names)
          .contains("bert.pooler.dense.weight", "bert.encoder.layer.1.output.dense.weight",
              "classifier.weight", "classifier.bias")
          .allSatisfy(n -> assertThat(n).matches("bert\\..*|classifier\\..*"));

      assertReferenceReadsTheTrainedLogits(runs, out, "sequence-classification");
    }
  }

  @Test
  void meanPooled_isASentenceTransformerWithTheHeadAsDense_withTheTrainedLogits()
      throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, LABELS, 8, BertModel.Pooling.MEAN)) {
      Path out = export(runs);

      JsonNode modules = JSON.readTree(out.resolve("modules.json").toFile());
      assertThat(modules.findValuesAsText("type"))
          .containsExactly("sentence_transformers.models.Transformer",
              "sentence_transformers.models.Pooling", "sentence_transformers.models.Dense");
      assertThat(JSON.readTree(out.resolve("1_Pooling/config.json").toFile())
          .path("pooling_mode_mean_tokens").asBoolean()).isTrue();
      assertThat(tensorNames(out.resolve("2_Dense/model.safetensors")))
          .containsExactlyInAnyOrder("linear.weight", "linear.bias");
      assertThat(tensorNames(out.resolve("model.safetensors")))
          .noneMatch(n -> n.startsWith("classifier"));

      assertReferenceReadsTheTrainedLogits(runs, out, "sentence-transformers");
    }
  }

  private void assertReferenceReadsTheTrainedLogits(TrainedRuns runs, Path out, String layout)
      throws Exception {
    assumeTrue(pythonHasTorch(), "no /usr/bin/python3 with torch (apt-get install python3-torch)");
    List<long[]> ids = new ArrayList<>();
    List<long[]> masks = new ArrayList<>();
    int length = 0;
    try (TextTokenizer tokenizer =
        TextTokenizer.load(runs.modelDirectory, TokenizerOptions.truncating(TrainedRuns.MAX_LENGTH))) {
      for (String text : TEXTS) {
        TokenEncoding encoding = tokenizer.encode(TextExample.single(text, TextExample.UNLABELED));
        ids.add(encoding.ids());
        masks.add(encoding.attentionMask());
        length = Math.max(length, encoding.ids().length);
      }
    }
    ObjectNode inputs = JSON.createObjectNode();
    ArrayNode idRows = inputs.putArray("input_ids");
    ArrayNode maskRows = inputs.putArray("attention_mask");
    for (int i = 0; i < TEXTS.size(); i++) { // padded with id 0, mask 0
      ArrayNode idRow = idRows.addArray();
      ArrayNode maskRow = maskRows.addArray();
      for (int t = 0; t < length; t++) {
        idRow.add(t < ids.get(i).length ? ids.get(i)[t] : 0);
        maskRow.add(t < masks.get(i).length ? masks.get(i)[t] : 0);
      }
    }
    Path inputFile = dir.resolve("inputs.json");
    JSON.writeValue(inputFile.toFile(), inputs);

    JsonNode read = JSON.readTree(python(READER.toString(), out.toString(), inputFile.toString()));

    assertThat(read.path("layout").asText()).isEqualTo(layout);
    for (int i = 0; i < TEXTS.size(); i++) {
      double[] expected = runs.logits(TextExample.single(TEXTS.get(i), TextExample.UNLABELED));
      JsonNode row = read.path("logits").get(i);
      assertThat(row.size()).isEqualTo(LABELS.size());
      for (int k = 0; k < expected.length; k++) {
        // float32 model against the float64 reading of the same float32 weights
        assertThat(row.get(k).asDouble()).as("text %d label %d", i, k)
            .isCloseTo(expected[k], within(1e-4));
      }
    }
  }

  /** The tensor names in a safetensors header, read here by the format's definition. */
  static List<String> tensorNames(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    List<String> names = new ArrayList<>();
    header.fieldNames().forEachRemaining(names::add);
    names.remove("__metadata__");
    return names;
  }

  /** Whether {@code /usr/bin/python3} exists and imports torch. */
  static boolean pythonHasTorch() throws Exception {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  /** The standard output of {@code /usr/bin/python3 args}, which must exit with 0. */
  static String python(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(args[0] + " exit code").isZero();
    return out;
  }
}
