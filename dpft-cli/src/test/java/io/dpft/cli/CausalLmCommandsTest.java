package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.models.Gpt2Generation;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.PretrainedGpt2;
import io.dpft.core.tasks.TinyE2e;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.data.datasets.builtin.HashSplit;
import io.dpft.data.datasets.table.MeaningRepresentation;
import io.dpft.data.metrics.Bleu;
import io.dpft.data.metrics.RougeL;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train/eval/predict --task causal-lm} on the tiny reference GPT-2 and generated
 * E2E-style files ({@link TinyE2e}). One run is trained for the class; what eval and predict
 * print is checked against generation done here independently of the commands' code path: each
 * prompt alone (no batching or padding), encoded and decoded by hand from the word-level
 * vocabulary (not through the tokenizer library), then scored with {@link Bleu} and
 * {@link RougeL}.
 */
class CausalLmCommandsTest {
  private static final int MAX_NEW_TOKENS = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static Path model;
  private static Path run;
  private static Path testCsv;
  private static List<TinyE2e.Row> testRows;
  private static Gpt2Model trained;
  private static Cli training;

  @BeforeAll
  static void train() throws IOException {
    model = TinyE2e.modelDirectory(dir.resolve("model"));
    Path trainCsv = TinyE2e.csv(dir.resolve("train.csv"), TinyE2e.rows(40, 0));
    Path validCsv = TinyE2e.csv(dir.resolve("valid.csv"), TinyE2e.rows(6, 3));
    testRows = TinyE2e.rows(7, 5);
    testCsv = TinyE2e.csv(dir.resolve("test.csv"), testRows);
    run = dir.resolve("run");
    training = Cli.run("train", "--task", "causal-lm", "--model", model.toString(),
        "--data", trainCsv.toString(), "--validation-data", validCsv.toString(),
        "--test-data", testCsv.toString(), "--method", "full", "--no-dp", "--epochs", "6",
        "--batch-size", "8", "--physical-batch-size", "8", "--lr", "3e-3", "--max-length", "32",
        "--eval-prompts", "3", "--max-new-tokens", "12", "--seed", "3",
        "--run-dir", run.toString());
    trained = PretrainedGpt2.load(model);
    WeightLoader.load(run.resolve(RunManifest.CHECKPOINT).resolve(TrainingCheckpoint.TRAINABLE),
        trained.namedParameters(), WeightLoader.Mode.STRICT);
    trained.eval();
  }

  @AfterAll
  static void close() {
    trained.close();
  }

  /** Prompt ids by hand: each space-separated word's id, then EOS. */
  private static long[] promptIds(String prompt) {
    long[] words = Arrays.stream(prompt.split(" ")).mapToLong(TinyE2e::id).toArray();
    long[] ids = Arrays.copyOf(words, words.length + 1);
    ids[words.length] = TinyE2e.EOS;
    return ids;
  }

  /** New tokens up to the first EOS, as words joined by spaces. */
  private static String text(long[] row, int from) {
    List<String> words = new ArrayList<>();
    for (int t = from; t < row.length && row[t] != TinyE2e.EOS; t++) {
      words.add(TinyE2e.token(row[t]));
    }
    return String.join(" ", words);
  }

  private static String greedy(String prompt) {
    long[] ids = promptIds(prompt);
    long[] ones = new long[ids.length];
    Arrays.fill(ones, 1);
    try (PointerScope scope = new PointerScope()) {
      long[][] out = Gpt2Generation.greedy(
          trained, new long[][] {ids}, new long[][] {ones}, MAX_NEW_TOKENS);
      return text(out[0], ids.length);
    }
  }

  private static String linearised(String mr) {
    return MeaningRepresentation.parse(mr).linearised();
  }

  @Test
  void train_causalLm_writesARunWithGenerationScores() throws IOException {
    assertThat(training.exitCode()).as(training.err()).isZero();
    assertThat(training.out()).containsPattern(
        "validation BLEU [0-9.]+, ROUGE-L [0-9.]+ \\(3 inputs\\); test BLEU [0-9.]+, ROUGE-L"
            + " [0-9.]+ \\(3 inputs\\)");
    RunManifest manifest = RunManifest.read(run);
    assertThat(manifest.task()).isEqualTo("causal-lm");
    assertThat(manifest.modelDir()).isEqualTo(model.toString());
    assertThat(manifest.datasetSizes()).containsEntry("train", 40);
    List<JsonNode> evals = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode node = JSON.readTree(line);
      if (node.path("type").asText().equals("eval")) {
        evals.add(node);
      }
    }
    // validation before training, after epochs 1..5 and at the end; test at the end
    assertThat(evals).hasSize(8);
    assertThat(evals.get(7).path("split").asText()).isEqualTo("test");
    assertThat(evals.get(6).path("bleu").asDouble())
        .isGreaterThan(evals.get(0).path("bleu").asDouble());
  }

  @Test
  void train_dataAlone_splitsInputsByTheHashOfTheirMeaningRepresentation() throws IOException {
    List<TinyE2e.Row> rows = TinyE2e.rows(40, 0);
    Path csv = TinyE2e.csv(dir.resolve("alone.csv"), rows);
    Path alone = dir.resolve("alone");
    Cli cli = Cli.run("train", "--task", "causal-lm", "--model", model.toString(),
        "--data", csv.toString(), "--method", "bitfit", "--no-dp", "--epochs", "1",
        "--batch-size", "8", "--max-length", "32", "--eval-prompts", "2",
        "--max-new-tokens", "2", "--seed", "3", "--run-dir", alone.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    int trainRows = 0;
    Map<HashSplit.Part, Integer> inputs = new EnumMap<>(HashSplit.Part.class);
    for (Map.Entry<String, List<String>> input : TinyE2e.referencesByMr(rows).entrySet()) {
      HashSplit.Part part = HashSplit.of(input.getKey());
      inputs.merge(part, 1, Integer::sum);
      trainRows += part == HashSplit.Part.TRAIN ? input.getValue().size() : 0;
    }
    assertThat(RunManifest.read(alone).datasetSizes())
        .containsEntry("train", trainRows)
        .containsEntry("validation", inputs.getOrDefault(HashSplit.Part.VALIDATION, 0))
        .containsEntry("test", inputs.getOrDefault(HashSplit.Part.TEST, 0));
  }

  @Test
  void eval_testFile_printsBleuAndRougeOfIndependentGreedyGeneration() {
    Cli cli = Cli.run("eval", "--checkpoint", run.toString(), "--data", testCsv.toString(),
        "--max-new-tokens", String.valueOf(MAX_NEW_TOKENS), "--json");

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    Map<String, List<String>> byMr = TinyE2e.referencesByMr(testRows);
    List<String> hypotheses = byMr.keySet().stream()
        .map(mr -> greedy(linearised(mr))).collect(Collectors.toList());
    List<List<String>> references = new ArrayList<>(byMr.values());
    JsonNode json = cli.json();
    assertThat(json.get("n").asInt()).isEqualTo(byMr.size());
    assertThat(json.get("references").asInt()).isEqualTo(testRows.size());
    assertThat(json.get("bleu").asDouble())
        .isCloseTo(Bleu.corpus(hypotheses, references).score(), within(1e-9));
    assertThat(json.get("rouge_l").asDouble())
        .isCloseTo(RougeL.corpus(hypotheses, references, RougeL.E2E_BETA), within(1e-9));
  }

  @Test
  void eval_text_printsOneRowPerMetric() {
    Cli cli = Cli.run("eval", "--checkpoint", run.toString(), "--data", testCsv.toString(),
        "--max-new-tokens", "4");

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    assertThat(cli.out().lines().map(l -> l.split("\\s+")[0]))
        .containsExactly("BLEU", "ROUGE-L", "n", "data");
  }

  @Test
  void predict_meaningRepresentationsAndPrompts_writeGreedyCompletions() throws IOException {
    String mr = "name[Mill], food[French], area[centre]";
    String prompt = "name : Vaults | food : Chinese";
    Path input = Files.write(dir.resolve("inputs.txt"), List.of(mr, "", prompt));

    Cli cli = Cli.run("predict", "--checkpoint", run.toString(), "--input", input.toString(),
        "--max-new-tokens", String.valueOf(MAX_NEW_TOKENS));

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    List<JsonNode> lines = cli.jsonValues();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("input").asText()).isEqualTo(mr);
    assertThat(lines.get(0).get("generated").asText()).isEqualTo(greedy(linearised(mr)));
    assertThat(lines.get(1).get("input").asText()).isEqualTo(prompt);
    assertThat(lines.get(1).get("generated").asText()).isEqualTo(greedy(prompt));
  }

  @Test
  void predict_jsonLinesWithBeams_writesTheBestBeam() throws IOException {
    String prompt = "name : Phoenix | food : English | area : riverside";
    Path input = Files.write(dir.resolve("inputs.jsonl"),
        List.of("{\"input\": \"" + prompt + "\"}"));

    Cli cli = Cli.run("predict", "--checkpoint", run.toString(), "--input", input.toString(),
        "--max-new-tokens", String.valueOf(MAX_NEW_TOKENS), "--beams", "3");

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    long[] ids = promptIds(prompt);
    String best;
    try (PointerScope scope = new PointerScope()) {
      best = text(Gpt2Generation.beamSearch(trained, ids, 3, MAX_NEW_TOKENS).get(0).tokenIds(),
          ids.length);
    }
    assertThat(cli.json().get("generated").asText()).isEqualTo(best);
  }

  @Test
  void predict_zeroBeams_exitsTwoNamingTheFlag() {
    Cli cli = Cli.run("predict", "--checkpoint", run.toString(), "--beams", "0");

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--beams must be >= 1, got 0").doesNotContain("at io.dpft");
  }

  @Test
  void eval_withoutData_asksForAnE2eFile() {
    Cli cli = Cli.run("eval", "--checkpoint", run.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).contains("pass --data FILE").contains("columns mr and ref");
  }

  @Test
  void train_withoutData_exitsTwoAskingForIt() {
    Cli cli = Cli.run("train", "--task", "causal-lm", "--model", model.toString(),
        "--run-dir", dir.resolve("x").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--task causal-lm needs --data FILE")
        .doesNotContain("at io.dpft");
  }

  @Test
  void train_missingValidationFile_exitsTwoNamingIt() {
    Path missing = dir.resolve("nope.csv");
    Cli cli = Cli.run("train", "--task", "causal-lm", "--model", model.toString(),
        "--data", testCsv.toString(), "--validation-data", missing.toString(),
        "--run-dir", dir.resolve("x").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--validation-data " + missing + " is not a file");
  }

  @Test
  void train_bundledEncoderName_exitsTwoAskingForAGpt2Directory() {
    Cli cli = Cli.run("train", "--task", "causal-lm", "--data", testCsv.toString(),
        "--run-dir", dir.resolve("x").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--task causal-lm needs --model DIR")
        .contains("'all-minilm-l6-v2'");
  }

  @Test
  void eval_textClassificationTaskOnACausalLmRun_exitsTwo() {
    Cli cli = Cli.run("eval", "--checkpoint", run.toString(), "--task", "text-classification",
        "--data", testCsv.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("which was trained for causal-lm");
  }
}
