package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.data.datasets.TextExample;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpft predict} against the trained model run one example at a time. */
class PredictCommandTest {
  @TempDir static Path dir;
  private static TrainedRuns run;

  @BeforeAll
  static void train() throws Exception {
    run = TrainedRuns.create(dir, List.of("neg", "pos"));
  }

  @AfterAll
  static void close() {
    run.close();
  }

  private static String checkpoint() {
    return run.runDirectory.toString();
  }

  /** Each output line: probabilities over the run's labels summing to 1, label = arg-max. */
  private static void assertConsistent(JsonNode line) {
    JsonNode p = line.get("probabilities");
    assertThat(p.size()).isEqualTo(2);
    double sum = 0;
    String best = null;
    for (String label : run.labels) {
      double value = p.get(label).asDouble();
      assertThat(value).isBetween(0.0, 1.0);
      sum += value;
      if (best == null || value > p.get(best).asDouble()) {
        best = label;
      }
    }
    assertThat(sum).isCloseTo(1, within(1e-6));
    assertThat(line.get("label").asText()).isEqualTo(best);
  }

  @Test
  void predict_textLines_oneLinePerInputWithTheModelsProbabilities() throws Exception {
    Path input = dir.resolve("texts.txt");
    List<String> texts = EvalCommandTest.SENTENCES;
    List<String> withBlank = new ArrayList<>(texts);
    withBlank.add(3, "   ");
    Files.write(input, withBlank);

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", input.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    List<JsonNode> lines = cli.jsonValues();
    assertThat(lines).hasSize(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      JsonNode line = lines.get(i);
      assertThat(line.get("text").asText()).isEqualTo(texts.get(i));
      assertThat(line.has("text_pair")).isFalse();
      assertConsistent(line);
      double[] expected =
          run.probabilities(TextExample.single(texts.get(i), TextExample.UNLABELED));
      for (int k = 0; k < 2; k++) {
        assertThat(line.get("probabilities").get(run.labels.get(k)).asDouble())
            .isCloseTo(expected[k], within(1e-5));
      }
    }
    assertThat(lines.stream().map(l -> l.get("label").asText()).distinct())
        .as("the fixture predicts both labels")
        .hasSize(2);
  }

  @Test
  void predict_jsonLinesWithPairs_keepsThePairAndUsesIt() throws Exception {
    Path input = dir.resolve("pairs.jsonl");
    Files.write(
        input,
        List.of(
            "{\"text\": \"A man plays a guitar.\", \"text_pair\": \"Someone makes music.\"}",
            "{\"text\": \"\\\"quoted\\\" <b>tags</b> & more\"}"));

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", input.toString());

    assertThat(cli.exitCode()).as(cli.err()).isZero();
    List<JsonNode> lines = cli.jsonValues();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("text_pair").asText()).isEqualTo("Someone makes music.");
    assertThat(lines.get(1).get("text").asText()).isEqualTo("\"quoted\" <b>tags</b> & more");
    lines.forEach(PredictCommandTest::assertConsistent);
    double[] pair =
        run.probabilities(
            new TextExample(
                "A man plays a guitar.", "Someone makes music.", TextExample.UNLABELED));
    assertThat(lines.get(0).get("probabilities").get("pos").asDouble())
        .isCloseTo(pair[1], within(1e-5));
  }

  @Test
  void predict_fromStandardInput() {
    InputStream stdin = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream("great film\nawful film\n".getBytes(StandardCharsets.UTF_8)));

      Cli cli = Cli.run("predict", "--checkpoint", checkpoint());

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      assertThat(cli.jsonValues())
          .extracting(l -> l.get("text").asText())
          .containsExactly("great film", "awful film");
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void predict_invalidUtf8OnStandardInput_exitsTwoNamingTheLine_withoutOutput() {
    InputStream stdin = System.in;
    try {
      byte[] latin1 = "great film\nna\u00efve film\n".getBytes(StandardCharsets.ISO_8859_1);
      System.setIn(new ByteArrayInputStream(latin1));

      Cli cli = Cli.run("predict", "--checkpoint", checkpoint());

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.out()).isEmpty();
      assertThat(cli.errLines()).hasSize(1);
      assertThat(cli.err())
          .startsWith("dpft predict: standard input, line 2 (byte offset 13): byte 0xEF is not"
              + " valid UTF-8")
          .contains("iconv");
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void predict_invalidUtf8InInputFile_exitsTwoNamingFileAndLine() throws Exception {
    Path input = dir.resolve("latin1.txt");
    Files.write(input, "fine\n\ncaf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", input.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).startsWith("dpft predict: " + input + ", line 3 (byte offset 9)");
  }

  @Test
  void predict_malformedJsonLine_exitsTwoNamingFileAndLine_withoutOutput() throws Exception {
    Path input = dir.resolve("bad.jsonl");
    Files.write(input, List.of("{\"text\": \"fine\"}", "", "{\"text\": \"broken\""));

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", input.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.out()).isEmpty();
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).startsWith("dpft predict: " + input + ", line 3: not valid JSON");
  }

  @Test
  void predict_jsonLineWithoutText_exitsTwoNamingTheLine() throws Exception {
    Path input = dir.resolve("notext.jsonl");
    Files.write(input, List.of("{\"text\": \"fine\"}", "{\"sentence\": \"no text field\"}"));

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", input.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains(input + ", line 2: expected a string field \"text\", got null");
  }

  @Test
  void predict_imageArgumentsForATextRun_exitsTwoSayingWhereTextsGo() {
    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "cat.png");

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("IMAGE arguments are for image-classification runs")
        .contains("--input");
  }

  @Test
  void predict_missingInputFile_exitsTwo() {
    Path missing = dir.resolve("missing.txt");

    Cli cli = Cli.run("predict", "--checkpoint", checkpoint(), "--input", missing.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--input " + missing + " is not a file");
  }

  @Test
  void predict_missingRunDirectory_exitsTwoNamingIt() throws Exception {
    Path input = Files.write(dir.resolve("one.txt"), List.of("hello"));
    Path missing = dir.resolve("no-run");

    Cli cli = Cli.run("predict", "--checkpoint", missing.toString(), "--input", input.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).contains("run directory " + missing + " does not exist");
  }

  @Test
  void predict_modelOfAnotherWidth_exitsTwoSayingTheCheckpointDoesNotFit() throws Exception {
    Path input = Files.write(dir.resolve("two.txt"), List.of("hello"));
    try (TrainedRuns wide = TrainedRuns.create(dir.resolve("wide"), List.of("neg", "pos"), 16)) {
      Cli cli =
          Cli.run(
              "predict",
              "--checkpoint",
              checkpoint(),
              "--model",
              wide.modelDirectory.toString(),
              "--input",
              input.toString());

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.out()).isEmpty();
      assertThat(cli.errLines()).hasSize(1);
      assertThat(cli.err())
          .contains("does not fit the model in " + wide.modelDirectory)
          .contains("shape mismatches");
    }
  }

  @Test
  void help_exitsZero() {
    Cli cli = Cli.run("predict", "--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out())
        .contains("--run-dir=RUN_DIR", "--input=FILE", "text_pair", "Examples:");
  }
}
