package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.core.train.RunManifest;
import io.dpft.data.datasets.TextExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft eval} against metrics computed here by hand from the predictions of the trained model
 * itself, one example at a time ({@link TrainedRuns#probabilities}).
 */
class EvalCommandTest {
  static final List<String> SENTENCES = TrainedRuns.CALIBRATION;

  @TempDir Path dir;

  /** A labelled CSV of the sentences, gold labels cycling through {@code labels}. */
  private static List<TextExample> writeCsv(Path file, List<String> labels) throws Exception {
    List<String> lines = new ArrayList<>(List.of("review,sentiment"));
    List<TextExample> examples = new ArrayList<>();
    for (int i = 0; i < SENTENCES.size(); i++) {
      int label = (i * 7 + i / 3) % labels.size();
      lines.add("\"" + SENTENCES.get(i) + "\"," + labels.get(label));
      examples.add(TextExample.single(SENTENCES.get(i), label));
    }
    Files.write(file, lines);
    return examples;
  }

  /** dpft eval of {@code run} on a CSV written by {@link #writeCsv}, then {@code more} flags. */
  private static Cli evalOnCsv(TrainedRuns run, Path csv, String... more) {
    String[] base = {
      "eval", "--checkpoint", run.runDirectory.toString(), "--data", csv.toString(),
      "--text-column", "review", "--label-column", "sentiment"
    };
    return Cli.run(base, more);
  }

  private static int[] referencePredictions(TrainedRuns run, List<TextExample> examples) {
    int[] predicted = new int[examples.size()];
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = TrainedRuns.argMax(run.probabilities(examples.get(i)));
    }
    return predicted;
  }

  @Test
  void eval_binaryCsv_matchesAccuracyF1AndMccOfThePerExamplePredictions() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path csv = dir.resolve("eval.csv");
      List<TextExample> examples = writeCsv(csv, run.labels);
      int[] predicted = referencePredictions(run, examples);
      long tp = 0, tn = 0, fp = 0, fn = 0;
      for (int i = 0; i < predicted.length; i++) {
        boolean gold = examples.get(i).label() == 1;
        boolean said = predicted[i] == 1;
        tp += gold && said ? 1 : 0;
        tn += !gold && !said ? 1 : 0;
        fp += !gold && said ? 1 : 0;
        fn += gold && !said ? 1 : 0;
      }
      assertThat(tp + fp).as("the fixture predicts both classes").isBetween(1L, 15L);

      Cli cli = evalOnCsv(run, csv, "--json");

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      JsonNode json = cli.json();
      double n = predicted.length;
      double mcc =
          (tp * tn - fp * fn) / Math.sqrt((double) (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
      assertThat(json.get("accuracy").asDouble()).isCloseTo((tp + tn) / n, within(1e-12));
      assertThat(json.get("f1").asDouble()).isCloseTo(2.0 * tp / (2 * tp + fp + fn), within(1e-12));
      assertThat(json.get("f1_average").asText()).isEqualTo("binary");
      assertThat(json.get("mcc").asDouble()).isCloseTo(Double.isNaN(mcc) ? 0 : mcc, within(1e-12));
      assertThat(json.get("n").asLong()).isEqualTo(16);
    }
  }

  @Test
  void eval_threeLabelsJsonLines_reportsMacroF1() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("bad", "neutral", "good"))) {
      Path jsonl = dir.resolve("eval.jsonl");
      List<String> lines = new ArrayList<>();
      List<TextExample> examples = new ArrayList<>();
      for (int i = 0; i < SENTENCES.size(); i++) {
        int label = i % 3;
        lines.add(
            "{\"text\": \""
                + SENTENCES.get(i)
                + "\", \"label\": \""
                + run.labels.get(label)
                + "\"}");
        examples.add(TextExample.single(SENTENCES.get(i), label));
      }
      Files.write(jsonl, lines);
      int[] predicted = referencePredictions(run, examples);
      double f1Sum = 0;
      int present = 0;
      long correct = 0;
      for (int k = 0; k < 3; k++) {
        long tp = 0, predictedK = 0, goldK = 0;
        for (int i = 0; i < predicted.length; i++) {
          int gold = examples.get(i).label();
          tp += gold == k && predicted[i] == k ? 1 : 0;
          predictedK += predicted[i] == k ? 1 : 0;
          goldK += gold == k ? 1 : 0;
        }
        correct += tp;
        if (predictedK + goldK > 0) {
          f1Sum += 2.0 * tp / (predictedK + goldK);
          present++;
        }
      }

      Cli cli =
          Cli.run(
              "eval",
              "--checkpoint",
              run.runDirectory.toString(),
              "--data",
              jsonl.toString(),
              "--json");

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      assertThat(cli.json().get("accuracy").asDouble()).isCloseTo(correct / 16.0, within(1e-12));
      assertThat(cli.json().get("f1").asDouble()).isCloseTo(f1Sum / present, within(1e-12));
      assertThat(cli.json().get("f1_average").asText()).isEqualTo("macro");
    }
  }

  @Test
  void eval_text_printsOneRowPerMetric() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path csv = dir.resolve("eval.csv");
      writeCsv(csv, run.labels);

      Cli cli = evalOnCsv(run, csv);

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      assertThat(cli.out().lines().map(l -> l.split("\\s+")[0]))
          .containsExactly("accuracy", "F1", "MCC", "n", "data");
      assertThat(cli.out()).contains("(binary, positive label 'pos')").containsPattern("n\\s+16\n");
    }
  }

  @Test
  void eval_labelOutsideTheRunsLabels_exitsTwoNamingFileAndLine() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path csv = dir.resolve("eval.csv");
      Files.write(csv, List.of("text,label", "fine,pos", "meh,maybe"));

      Cli cli =
          Cli.run("eval", "--checkpoint", run.runDirectory.toString(), "--data", csv.toString());

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.out()).isEmpty();
      assertThat(cli.errLines()).hasSize(1);
      assertThat(cli.err()).startsWith("dpft eval: " + csv + ", line 3").contains("maybe");
    }
  }

  @Test
  void eval_skipBadRows_notesTheSkippedRowAndScoresTheRest() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path csv = dir.resolve("eval.csv");
      Files.write(csv, List.of("text,label", "fine,pos", "meh,maybe", "awful,neg"));

      Cli cli =
          Cli.run("eval", "--checkpoint", run.runDirectory.toString(), "--data", csv.toString(),
              "--skip-bad-rows", "--json");

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      assertThat(cli.json().get("n").asInt()).isEqualTo(2);
      assertThat(cli.errLines())
          .containsExactly("note: --data " + csv + ": skipped 1 malformed row (first: line 3,"
              + " column 5: label 'maybe' is not one of [neg, pos])");
    }
  }

  @Test
  void eval_runOnAFileDataset_withoutData_asksForData() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Cli cli = Cli.run("eval", "--checkpoint", run.runDirectory.toString());

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.errLines()).hasSize(1);
      assertThat(cli.err())
          .contains("'tiny.csv' is not a built-in dataset")
          .contains("--data FILE");
    }
  }

  @Test
  void eval_badSplit_exitsTwo() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Cli cli = Cli.run("eval", "--checkpoint", run.runDirectory.toString(), "--split", "train");

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.err()).contains("--split must be validation or test, got 'train'");
    }
  }

  @Test
  void eval_splitAndData_areMutuallyExclusive() {
    Cli cli = Cli.run("eval", "--checkpoint", "x", "--split", "test", "--data", "y.csv");

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("mutually exclusive");
  }

  @Test
  void eval_dataOfUnknownFormat_exitsTwoNamingTheFormats() throws Exception {
    Path txt = Files.write(dir.resolve("eval.txt"), List.of("text\tlabel"));

    Cli cli = Cli.run("eval", "--checkpoint", dir.toString(), "--data", txt.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err())
        .contains("--data must be a .csv, .json, .jsonl or GLUE .tsv file, got " + txt);
  }

  @Test
  void eval_missingDataFile_exitsTwo() {
    Cli cli =
        Cli.run("eval", "--checkpoint", dir.toString(), "--data", dir.resolve("x.csv").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.err()).contains("--data " + dir.resolve("x.csv") + " is not a file");
  }

  @Test
  void eval_missingRunDirectory_exitsTwoNamingIt() throws Exception {
    Path missing = dir.resolve("nope");
    Path csv = Files.write(dir.resolve("eval.csv"), List.of("text,label", "fine,pos"));

    Cli cli = Cli.run("eval", "--checkpoint", missing.toString(), "--data", csv.toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).contains("run directory " + missing + " does not exist");
  }

  @Test
  void eval_notARunDirectory_exitsTwoNamingTheMissingConfig() throws Exception {
    Files.createDirectories(dir.resolve("plain"));

    Cli cli = Cli.run("eval", "--checkpoint", dir.resolve("plain").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err())
        .contains("not a run directory: " + dir.resolve("plain").resolve(RunManifest.FILE));
  }

  @Test
  void eval_runWithoutCheckpoint_exitsTwoNamingTheFile() throws Exception {
    try (TrainedRuns run = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainable =
          run.runDirectory.resolve(RunManifest.CHECKPOINT).resolve("trainable.safetensors");
      Files.delete(trainable);
      Path csv = Files.write(dir.resolve("eval.csv"), List.of("text,label", "fine,pos"));

      Cli cli =
          Cli.run("eval", "--checkpoint", run.runDirectory.toString(), "--data", csv.toString());

      assertThat(cli.exitCode()).isEqualTo(2);
      assertThat(cli.err()).contains(trainable + " is missing");
    }
  }

  @Test
  void help_exitsZero() {
    Cli cli = Cli.run("eval", "--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out())
        .contains("--run-dir=RUN_DIR", "--data=FILE", "--split=SPLIT", "Examples:");
  }
}
