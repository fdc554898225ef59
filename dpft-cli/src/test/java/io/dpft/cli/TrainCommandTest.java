package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.nn.Precision;
import io.dpft.core.train.RunManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train} on the user's files (a tiny BERT from {@link TrainedRuns}), and bad input
 * failing fast, before any model or data is loaded.
 */
class TrainCommandTest {
  @Test
  void unknownMethod_exitsTwoNamingTheChoices(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--method", "lora-ish");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("full, bitfit, last-layer, two-phase").doesNotContain("at io.dpft");
  }

  @Test
  void epsilonAndNoDp_areMutuallyExclusive(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--epsilon", "3", "--no-dp");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--epsilon").contains("--no-dp");
  }

  @Test
  void negativeEpsilon_exitsTwoNamingTheFlag(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--epsilon", "-1");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--target-epsilon must be > 0");
  }

  @Test
  void unknownDataset_exitsTwo(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--dataset", "imagenet");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("dataset must be one of sentiment, spam");
  }

  @Test
  void unknownOptimizer_exitsTwo(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--optimizer", "lion");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("optimizer must be sgd, adam or adamw");
  }

  @Test
  void unknownPrecision_exitsTwo(@TempDir Path dir) {
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--precision", "fp16");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("precision must be one of fp32, bf16, got 'fp16'");
  }

  @Test
  void export_notARunDirectory_exitsTwoNamingTheFile(@TempDir Path dir) {
    Cli run = Cli.run("export", "--checkpoint", dir.toString(), "--out", dir.resolve("x").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("config.json is missing");
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {"good", "great", "bad", "awful", "fine", "poor"};

  /** {@code n} rows "text,label": label pos when the first word is positive. */
  static Path csv(Path file, int n, int offset) throws IOException {
    List<String> lines = new ArrayList<>(List.of("text,label"));
    for (int i = offset; i < offset + n; i++) {
      String first = WORDS[i % WORDS.length];
      boolean positive = first.equals("good") || first.equals("great") || first.equals("fine");
      lines.add(first + " movie number " + i + "," + (positive ? "pos" : "neg"));
    }
    return Files.write(file, lines);
  }

  private static String[] train(Path model, Path runDir, String... data) {
    return Cli.args(
        new String[] {"train", "--model", model.toString(), "--no-dp", "--epochs", "1",
          "--batch-size", "8", "--physical-batch-size", "8", "--max-length", "16", "--seed", "3",
          "--run-dir", runDir.toString()},
        data);
  }

  @Test
  void dataFiles_trainsOnTheFileAndScoresTheValidationFile(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = csv(dir.resolve("train.csv"), 40, 0);
      Path devFile = csv(dir.resolve("dev.csv"), 10, 100);
      Path runDir = dir.resolve("mine");
      Cli run =
          Cli.run(train(runs.modelDirectory, runDir, "--data", trainFile.toString(),
              "--validation-data", devFile.toString()));

      assertThat(run.exitCode()).as(run.err()).isZero();
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.dataset()).isEqualTo(trainFile.toString());
      assertThat(manifest.labels()).containsExactly("neg", "pos");
      assertThat(manifest.datasetSizes())
          .containsEntry("train", 40).containsEntry("validation", 10).containsEntry("test", 10);
      List<JsonNode> tests = new ArrayList<>();
      for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
        JsonNode node = JSON.readTree(line);
        if (node.path("split").asText().equals("test")) {
          tests.add(node);
        }
      }
      assertThat(tests).singleElement().satisfies(t -> assertThat(t.has("accuracy")).isTrue());
      assertThat(run.out()).contains("test accuracy");
    }
  }

  /**
   * {@code --precision bf16} is recorded as asked and as used (bf16 only on a CPU with bfloat16
   * instructions, fp32 elsewhere), and {@code eval} of the run runs in it too.
   */
  @Test
  void precisionBf16_recordedAsAskedAndAsUsed_evalRuns(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = csv(dir.resolve("train.csv"), 40, 0);
      Path runDir = dir.resolve("mine");
      Cli run = Cli.run(train(runs.modelDirectory, runDir, "--data", trainFile.toString(),
          "--method", "bitfit", "--precision", "bf16"));

      assertThat(run.exitCode()).as(run.err()).isZero();
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.precision()).isEqualTo("bf16");
      assertThat(manifest.precisionUsed())
          .isEqualTo(Precision.onThisCpu(Precision.BF16).cliName());
      Cli eval = Cli.run("eval", "--checkpoint", runDir.toString(), "--data",
          trainFile.toString());
      assertThat(eval.exitCode()).as(eval.err()).isZero();
      assertThat(eval.out()).contains("accuracy");
    }
  }

  @Test
  void dataFileAlone_isSplitByTheFixedHashOfEachText(@TempDir Path dir) throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = csv(dir.resolve("all.csv"), 60, 0);
      Path runDir = dir.resolve("mine");
      Cli run = Cli.run(train(runs.modelDirectory, runDir, "--data", trainFile.toString()));

      assertThat(run.exitCode()).as(run.err()).isZero();
      // independent: SHA-256 of the text, first 8 bytes mod 10: 0-7 train, 8 validation, 9 test
      int[] expected = new int[3];
      for (String line : Files.readAllLines(trainFile).subList(1, 61)) {
        String text = line.substring(0, line.lastIndexOf(','));
        long bucket = Long.remainderUnsigned(firstEightBytes(text), 10);
        expected[bucket < 8 ? 0 : bucket == 8 ? 1 : 2]++;
      }
      assertThat(RunManifest.read(runDir).datasetSizes())
          .containsEntry("train", expected[0])
          .containsEntry("validation", expected[1])
          .containsEntry("test", expected[2]);
    }
  }

  private static long firstEightBytes(String text) throws NoSuchAlgorithmException {
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }

  @Test
  void testDataWithoutValidationData_splitsValidationFromTheDataByTheFixedHash(@TempDir Path dir)
      throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = csv(dir.resolve("all.csv"), 60, 0);
      Path testFile = csv(dir.resolve("test.csv"), 7, 200);
      Path runDir = dir.resolve("mine");
      Cli run = Cli.run(train(runs.modelDirectory, runDir, "--data", trainFile.toString(),
          "--test-data", testFile.toString()));

      assertThat(run.exitCode()).as(run.err()).isZero();
      // independent: hash bucket 8 is validation, every other bucket (test's 9 too) trains
      int validation = 0;
      for (String line : Files.readAllLines(trainFile).subList(1, 61)) {
        String text = line.substring(0, line.lastIndexOf(','));
        validation += Long.remainderUnsigned(firstEightBytes(text), 10) == 8 ? 1 : 0;
      }
      assertThat(RunManifest.read(runDir).datasetSizes())
          .containsEntry("train", 60 - validation)
          .containsEntry("validation", validation)
          .containsEntry("test", 7);
      // the captured stderr is not a terminal: the progress bar prints lines, never redraws
      assertThat(run.err()).containsPattern("\\] \\d+/\\d+").doesNotContain("\r");
    }
  }

  @Test
  void dataAndDataset_exitsTwo(@TempDir Path dir) throws IOException {
    Path file = csv(dir.resolve("t.csv"), 4, 0);
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--data", file.toString(),
        "--dataset", "spam");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("either --dataset spam or --data");
  }

  @Test
  void missingDataFile_exitsTwoNamingTheFlagAndFile(@TempDir Path dir) {
    Path missing = dir.resolve("nope.csv");
    Cli run = Cli.run("train", "--run-dir", dir.toString(), "--data", missing.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--data " + missing + " is not a file");
  }

  @Test
  void glueTsv_trainsWithTheTasksColumnsAndLabels(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      List<String> rows = new ArrayList<>(List.of("sentence\tlabel"));
      for (int i = 0; i < 24; i++) {
        rows.add(WORDS[i % WORDS.length] + " film " + i + "\t" + (i % 3 == 2 ? 0 : 1));
      }
      Path trainFile = Files.write(dir.resolve("train.tsv"), rows);
      Path devFile = Files.write(dir.resolve("dev.tsv"), rows.subList(0, 9));
      Path runDir = dir.resolve("mine");
      Cli run =
          Cli.run(train(runs.modelDirectory, runDir, "--data", trainFile.toString(),
              "--validation-data", devFile.toString(), "--glue-task", "SST-2"));

      assertThat(run.exitCode()).as(run.err()).isZero();
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.labels()).containsExactly("0", "1");
      assertThat(manifest.datasetSizes()).containsEntry("train", 24).containsEntry("validation", 8);
    }
  }

  @Test
  void tsvWithoutGlueTask_exitsTwoNamingTheFlag(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("train.tsv"), "sentence\tlabel\nok\t1\n");
    Cli run = Cli.run("train", "--run-dir", dir.resolve("r").toString(), "--data", file.toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--glue-task (sst2, qnli, qqp, mnli, mrpc, rte, wnli)");
  }

  /** A DP run of the tiny model on a 40-row file, with a checkpoint every 2 steps. */
  private static String[] dpTrain(Path model, Path runDir, Path data, String... more) {
    return Cli.args(
        new String[] {"train", "--model", model.toString(), "--noise-multiplier", "1.0",
          "--epochs", "1", "--batch-size", "8", "--physical-batch-size", "8", "--max-length", "16",
          "--seed", "3", "--checkpoint-every", "2", "--data", data.toString(),
          "--run-dir", runDir.toString()},
        more);
  }

  @Test
  void resume_takesTheRunsSettings_refusesChangedOnesNamingEach_andAllowsThePhysicalBatchSize(
      @TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = csv(dir.resolve("train.csv"), 40, 0);
      Path runDir = dir.resolve("mine");
      Cli first = Cli.run(dpTrain(runs.modelDirectory, runDir, trainFile));
      assertThat(first.exitCode()).as(first.err()).isZero();
      assertThat(RunManifest.read(runDir).output().command())
          .containsEntry("--batch-size", "8")
          .containsEntry("--data", trainFile.toAbsolutePath().toString())
          .containsEntry("--lr", "0") // left to the recipe
          .doesNotContainKey("--run-dir");

      Path other = csv(dir.resolve("other.csv"), 40, 7);
      Cli changed =
          Cli.run("train", "--run-dir", runDir.toString(), "--resume", "--batch-size", "16",
              "--lr", "0.05", "--data", other.toString(), "--no-dp");
      assertThat(changed.exitCode()).isEqualTo(2);
      assertThat(changed.err())
          .contains("cannot resume")
          .contains("--batch-size 16 (the run used 8)")
          .contains("--lr 0.05 (the run used the default)")
          .contains("--data " + other.toAbsolutePath() + " (the run used " + trainFile.toAbsolutePath())
          .contains("--no-dp (the run did not use it)")
          .doesNotContain("at io.dpft");

      // the same value spelled otherwise, a relative path to the same file, and the options a
      // resume may change are accepted; everything else comes from the run
      Cli resumed =
          Cli.run("train", "--run-dir", runDir.toString(), "--resume", "--max-grad-norm", "1",
              "--physical-batch-size", "4", "--data",
              Path.of("").toAbsolutePath().relativize(trainFile.toAbsolutePath()).toString());
      assertThat(resumed.exitCode()).as(resumed.err()).isZero();
      assertThat(resumed.out()).contains("privacy: (ε = ");
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.physicalBatchSize()).isEqualTo(4);
      assertThat(manifest.logicalBatchSize()).isEqualTo(8);
    }
  }

  @Test
  void runDirectoryHoldingARun_withoutResume_exitsTwoNamingTheResumeFlag(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      byte[] config = Files.readAllBytes(runs.runDirectory.resolve(RunManifest.FILE));

      Cli again = Cli.run(train(runs.modelDirectory, runs.runDirectory, "--data",
          csv(dir.resolve("train.csv"), 40, 0).toString()));

      assertThat(again.exitCode()).isEqualTo(2);
      assertThat(again.err())
          .contains("already holds a run")
          .contains("--resume must be set to continue it");
      assertThat(Files.readAllBytes(runs.runDirectory.resolve(RunManifest.FILE)))
          .isEqualTo(config);
    }
  }

  @Test
  void omitBatchStatistics_leavesThePrivateBatchesStatisticsOutOfTheMetrics(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path runDir = dir.resolve("mine");
      Cli run =
          Cli.run(dpTrain(runs.modelDirectory, runDir, csv(dir.resolve("train.csv"), 40, 0),
              "--omit-batch-statistics"));
      assertThat(run.exitCode()).as(run.err()).isZero();
      int trainLines = 0;
      for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
        JsonNode node = JSON.readTree(line);
        if (node.path("type").asText().equals("train")) {
          trainLines++;
          assertThat(node.has("epsilon")).isTrue();
          assertThat(node.has("loss") || node.has("samples") || node.has("mean_grad_norm")
              || node.has("clipped_fraction")).as(line).isFalse();
        }
      }
      assertThat(trainLines).isPositive();
      assertThat(run.err()).doesNotContain("loss ");
      assertThat(run.out()).doesNotContain("not covered by ε");
    }
  }

  @Test
  void deltaNotBelowOneOverN_exitsTwoNamingTheFlagAndN(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Cli run =
          Cli.run(dpTrain(runs.modelDirectory, dir.resolve("mine"),
              csv(dir.resolve("train.csv"), 40, 0), "--delta", "0.5"));
      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("--delta must be below 1/N").contains("training examples");
    }
  }

  /**
   * {@code --method adapter --adapter-size 16}: the run records the method and its width, saves
   * the adapters, and eval and predict rebuild them on the finished run; export refuses it.
   */
  @Test
  void adapterRun_recordsTheMethodAndItsSize_andEvalAndPredictReloadIt(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path runDir = dir.resolve("adapter");
      Path devFile = csv(dir.resolve("dev.csv"), 10, 100);
      Cli train = Cli.run(dpTrain(runs.modelDirectory, runDir, csv(dir.resolve("train.csv"), 40, 0),
          "--method", "adapter", "--adapter-size", "16"));
      assertThat(train.exitCode()).as(train.err()).isZero();
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.method()).isEqualTo("adapter");
      assertThat(manifest.methodSettings()).containsEntry("adapter_size", "16");

      Cli eval = Cli.run("eval", "--checkpoint", runDir.toString(), "--data", devFile.toString());
      assertThat(eval.exitCode()).as(eval.err()).isZero();
      Path texts = Files.write(dir.resolve("texts.txt"), List.of("good movie", "bad movie"));
      Cli predict = Cli.run("predict", "--checkpoint", runDir.toString(), "--input", texts.toString());
      assertThat(predict.exitCode()).as(predict.err()).isZero();
      assertThat(predict.jsonValues()).hasSize(2);

      Cli export = Cli.run("export", "--run-dir", runDir.toString(), "--output",
          dir.resolve("hf").toString());
      assertThat(export.exitCode()).isEqualTo(2);
      assertThat(export.errLines()).hasSize(1);
      assertThat(export.err()).contains("adapters").contains("dpft predict");
    }
  }

  /** {@code --method reversible}: recorded with its width and λ, and eval reloads it. */
  @Test
  void reversibleRun_recordsTheMethodAndItsSettings_andEvalReloadsIt(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path runDir = dir.resolve("reversible");
      Cli train = Cli.run(dpTrain(runs.modelDirectory, runDir, csv(dir.resolve("train.csv"), 40, 0),
          "--method", "reversible", "--adapter-size", "4", "--reversible-lambda", "0.2"));
      assertThat(train.exitCode()).as(train.err()).isZero();
      RunManifest manifest = RunManifest.read(runDir);
      assertThat(manifest.method()).isEqualTo("reversible");
      assertThat(manifest.methodSettings())
          .containsEntry("adapter_size", "4").containsEntry("reversible_lambda", "0.2");
      Cli eval = Cli.run("eval", "--checkpoint", runDir.toString(), "--data",
          csv(dir.resolve("dev.csv"), 10, 100).toString());
      assertThat(eval.exitCode()).as(eval.err()).isZero();
    }
  }
}
