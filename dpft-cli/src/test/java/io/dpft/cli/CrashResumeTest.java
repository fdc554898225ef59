package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.train.RunManifest;
import io.dpft.core.train.TrainingCheckpoint;
import io.dpft.core.train.TrainingState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: {@code dpft train} in its own JVM, killed with SIGKILL in the middle of the run
 * (DP on, checkpoints every 3 steps), then resumed with no option but the run directory. The
 * resumed run must end with the uninterrupted run's parameters and ledger byte for byte, and a
 * metrics.jsonl with each step once.
 */
class CrashResumeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String[] train(Path model, Path data, Path runDir) {
    return new String[] {"train", "--model", model.toString(), "--noise-multiplier", "1.0",
      "--epochs", "12", "--batch-size", "8", "--physical-batch-size", "8", "--max-length", "16",
      "--seed", "5", "--checkpoint-every", "3", "--data", data.toString(),
      "--run-dir", runDir.toString()};
  }

  /** The number of {@code "type": "train"} lines (one per step) of a run's metrics.jsonl. */
  static long trainLines(Path runDir) throws IOException {
    Path metrics = runDir.resolve("metrics.jsonl");
    if (!Files.exists(metrics)) {
      return 0;
    }
    return Files.readAllLines(metrics).stream().filter(l -> l.contains("\"train\"")).count();
  }

  @Test
  void killedWithSigkill_resumesToTheUninterruptedRunsParametersAndLedger(@TempDir Path dir)
      throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = TrainedRuns.goodOrBadFilms(dir.resolve("train.csv"), 48);
      Path whole = dir.resolve("whole");
      Cli uninterrupted = Cli.run(train(runs.modelDirectory, data, whole));
      assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();
      long total = trainLines(whole);

      Path crashed = dir.resolve("crashed");
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElseThrow());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(List.of(train(runs.modelDirectory, data, crashed)));
      Process child =
          new ProcessBuilder(command).redirectErrorStream(true)
              .redirectOutput(dir.resolve("child.log").toFile()).start();
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (trainLines(crashed) < total / 2 + 1 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(child.isAlive()).as(Files.readString(dir.resolve("child.log"))).isTrue();
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(trainLines(crashed)).isLessThan(total);

      Cli resumed = Cli.run("train", "--run-dir", crashed.toString(), "--resume");

      assertThat(resumed.exitCode()).as(resumed.err()).isZero();
      Path wholeCheckpoint = whole.resolve(RunManifest.CHECKPOINT);
      Path crashedCheckpoint = crashed.resolve(RunManifest.CHECKPOINT);
      assertThat(Files.readAllBytes(crashedCheckpoint.resolve(TrainingCheckpoint.TRAINABLE)))
          .isEqualTo(Files.readAllBytes(wholeCheckpoint.resolve(TrainingCheckpoint.TRAINABLE)));
      TrainingState wholeState = TrainingCheckpoint.readState(wholeCheckpoint);
      TrainingState crashedState = TrainingCheckpoint.readState(crashedCheckpoint);
      assertThat(crashedState.ledger()).isEqualTo(wholeState.ledger());
      assertThat(crashedState.step()).isEqualTo(total);
      List<Long> steps = new ArrayList<>();
      for (String line : Files.readAllLines(crashed.resolve("metrics.jsonl"))) {
        JsonNode node = JSON.readTree(line);
        if (node.path("type").asText().equals("train")) {
          steps.add(node.path("step").asLong());
        }
      }
      assertThat(steps).hasSize((int) total).doesNotHaveDuplicates().isSorted();
    }
  }
}
