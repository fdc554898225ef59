package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.train.RunManifest;
import io.dpft.privacy.audit.CanaryGuesses;
import io.dpft.privacy.audit.EpsilonLowerBound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft audit} on the user's files with a tiny BERT ({@link TrainedRuns}): the options of
 * {@code dpft train}, the audit's output, {@code audit.json} and the report section; bad input
 * failing fast. The audit's statistics are tested in dpft-privacy and dpft-core.
 */
class AuditCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {"good", "great", "bad", "awful", "fine", "poor"};

  /** {@code n} rows "text,label": label pos when the first word is positive. */
  private static Path csv(Path file, int n) throws IOException {
    List<String> lines = new ArrayList<>(List.of("text,label"));
    for (int i = 0; i < n; i++) {
      String first = WORDS[i % WORDS.length];
      boolean positive = first.equals("good") || first.equals("great") || first.equals("fine");
      lines.add(first + " movie number " + i + "," + (positive ? "pos" : "neg"));
    }
    return Files.write(file, lines);
  }

  private static String[] audit(Path model, Path data, Path runDir, String... more) {
    return Cli.args(
        new String[] {"audit", "--model", model.toString(), "--data", data.toString(),
          "--validation-data", data.toString(), "--epochs", "1", "--batch-size", "8",
          "--physical-batch-size", "8", "--max-length", "16", "--seed", "3",
          "--run-dir", runDir.toString()},
        more);
  }

  @Test
  void withoutDp_writesTheAuditItsJsonAndTheReportSection(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = csv(dir.resolve("train.csv"), 60);
      Path runDir = dir.resolve("audit");
      Cli run =
          Cli.run(audit(runs.modelDirectory, data, runDir, "--no-dp", "--canaries", "20",
              "--guesses", "5", "--json"));

      assertThat(run.exitCode()).as(run.err()).isZero();
      JsonNode out = JSON.readTree(run.out());
      assertThat(out.get("canaries").asInt()).isEqualTo(20);
      assertThat(out.get("guesses").asInt()).isEqualTo(10);
      assertThat(out.get("claimedEpsilon").isNull()).isTrue();
      int correct = out.get("correct").asInt();
      assertThat(correct).isBetween(0, 10);
      // without DP the bound is taken at the δ a private run would use: 1/N^1.1
      int trainSize = RunManifest.read(runDir).datasetSizes().get("train");
      assertThat(trainSize).isBetween(40, 60); // 40 others plus the included canaries
      double delta = Math.pow(trainSize, -1.1);
      assertThat(out.get("delta").asDouble()).isCloseTo(delta, within(1e-12));
      assertThat(out.get("epsilonLowerBound").asDouble())
          .isEqualTo(EpsilonLowerBound.of(new CanaryGuesses(20, 10, correct), delta, 0.95));
      assertThat(JSON.readTree(runDir.resolve("audit.json").toFile()).get("correct").asInt())
          .isEqualTo(correct);
      assertThat(Files.readString(runDir.resolve("report.html"))).contains("Privacy audit");
      assertThat(RunManifest.read(runDir).output().command())
          .containsEntry("--canaries", "20").containsEntry("--guesses", "5");
    }
  }

  @Test
  void withDp_printsTheClaimAndTheBound_exitCodeSaysWhetherTheClaimHolds(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = csv(dir.resolve("train.csv"), 60);
      Cli run =
          Cli.run(audit(runs.modelDirectory, data, dir.resolve("audit"), "--epsilon", "8",
              "--delta", "1e-3", "--canaries", "20"));

      assertThat(run.out())
          .contains("canaries 20, guesses 2,") // default: 20/20 = 1 per side
          .contains("claimed ε = ")
          .contains("at 95% confidence (δ = 0.00100)");
      assertThat(run.exitCode())
          .as(run.out() + run.err())
          .isEqualTo(run.out().contains("EXCEEDS") ? ExitCodes.AUDIT_REFUTED : ExitCodes.OK);
    }
  }

  @Test
  void badAuditSettings_exitTwoNamingTheFlag(@TempDir Path dir) throws IOException {
    Cli few = Cli.run("audit", "--run-dir", dir.resolve("a").toString(), "--canaries", "1");
    assertThat(few.exitCode()).isEqualTo(2);
    assertThat(few.err()).contains("--canaries must be >= 2").doesNotContain("at io.dpft");

    Cli many = Cli.run("audit", "--run-dir", dir.resolve("b").toString(), "--guesses", "600");
    assertThat(many.exitCode()).isEqualTo(2);
    assertThat(many.err()).contains("--guesses must be in [1, canaries/2] = [1, 500]");

    Cli task =
        Cli.run("audit", "--run-dir", dir.resolve("c").toString(), "--task", "causal-lm");
    assertThat(task.exitCode()).isEqualTo(2);
    assertThat(task.err()).contains("use --task text-classification");
  }

  @Test
  void moreCanariesThanExamples_exitsTwoBeforeTraining(@TempDir Path dir) throws IOException {
    Path data = csv(dir.resolve("train.csv"), 30);
    Cli run =
        Cli.run("audit", "--data", data.toString(), "--validation-data", data.toString(),
            "--run-dir", dir.resolve("run").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--canaries must be in [1, N) for the N = 30 training examples");
    assertThat(dir.resolve("run")).doesNotExist();
  }
}
