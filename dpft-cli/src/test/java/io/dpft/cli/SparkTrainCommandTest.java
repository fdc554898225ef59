package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.io.SafetensorsReader;
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
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpft train --spark local[2]} against the same command without it: the trained
 * parameters, the privacy ledger and the sampler state must be the single-process run's, also
 * for a Spark run killed midway and resumed in one process; config.json records where the sums
 * were computed, as a change a resume may make.
 */
class SparkTrainCommandTest {

  /**
   * A DP-BiTFiT run at a target ε of the tiny model on a 40-row file (its training split: the rows
   * the fixed hash keeps for training), {@code epochs} epochs at B = 8, a checkpoint every 4 steps.
   */
  private static String[] dpTrain(
      Path model, Path runDir, Path data, String epochs, String... more) {
    return Cli.args(
        new String[] {"train", "--model", model.toString(), "--target-epsilon", "8",
          "--epochs", epochs, "--batch-size", "8", "--physical-batch-size", "3", "--max-length", "16",
          "--lr", "0.05", "--seed", "3", "--checkpoint-every", "4", "--data", data.toString(),
          "--run-dir", runDir.toString()},
        more);
  }

  @Test
  void sparkRun_hasTheParametersLedgerAndSamplerOfTheRunWithoutSpark(@TempDir Path dir)
      throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path local = dir.resolve("local");
      Path spark = dir.resolve("spark");
      Cli inProcess = Cli.run(dpTrain(runs.modelDirectory, local, trainFile, "2"));
      assertThat(inProcess.exitCode()).as(inProcess.err()).isZero();
      Cli onSpark =
          Cli.run(dpTrain(runs.modelDirectory, spark, trainFile, "2", "--spark", "local[2]"));
      assertThat(onSpark.exitCode()).as(onSpark.err()).isZero();

      Path localCheckpoint = local.resolve(RunManifest.CHECKPOINT);
      Path sparkCheckpoint = spark.resolve(RunManifest.CHECKPOINT);
      TrainingState expected = TrainingCheckpoint.readState(localCheckpoint);
      TrainingState actual = TrainingCheckpoint.readState(sparkCheckpoint);
      long steps = RunManifest.read(local).privacy().steps(); // 2 epochs at q = 8/N
      assertThat(actual.step()).isEqualTo(expected.step()).isEqualTo(steps).isGreaterThan(4);
      assertThat(actual.ledger()).isEqualTo(expected.ledger());
      assertThat(actual.poisson()).isEqualTo(expected.poisson());
      assertSameParameters(sparkCheckpoint.resolve(TrainingCheckpoint.TRAINABLE),
          localCheckpoint.resolve(TrainingCheckpoint.TRAINABLE));
      assertThat(CrashResumeTest.trainLines(spark)).isEqualTo(CrashResumeTest.trainLines(local)).isEqualTo(steps);

      RunManifest sparkRun = RunManifest.read(spark);
      RunManifest localRun = RunManifest.read(local);
      assertThat(sparkRun.executors()).isEqualTo("spark local[2]");
      assertThat(localRun.executors()).isEmpty();
      assertThat(sparkRun.privacy()).isEqualTo(localRun.privacy());
      assertThat(sparkRun.output().command()).doesNotContainKey("--spark");
      assertThat(RunManifest.RESUMABLE_CHANGES).contains("executors");
    }
  }

  @Test
  void killedOnSpark_resumesInOneProcessToTheRunWithoutSpark(@TempDir Path dir) throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path whole = dir.resolve("whole");
      Cli uninterrupted =
          Cli.run(dpTrain(runs.modelDirectory, whole, trainFile, "5"));
      assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();
      long total = CrashResumeTest.trainLines(whole);

      // dpft train --spark local[2] in its own JVM (this JVM's flags and classpath, Spark's
      // included), killed with SIGKILL past its first checkpoints
      Path crashed = dir.resolve("crashed");
      List<String> command = new ArrayList<>();
      command.add(ProcessHandle.current().info().command().orElseThrow());
      command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(List.of(dpTrain(runs.modelDirectory, crashed, trainFile, "5", "--spark",
          "local[2]")));
      Process child =
          new ProcessBuilder(command).redirectErrorStream(true)
              .redirectOutput(dir.resolve("child.log").toFile()).start();
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (CrashResumeTest.trainLines(crashed) < total / 2 + 1 && child.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(child.isAlive()).as(Files.readString(dir.resolve("child.log"))).isTrue();
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(CrashResumeTest.trainLines(crashed)).isLessThan(total);
      assertThat(RunManifest.read(crashed).executors()).isEqualTo("spark local[2]");

      Cli resumed = Cli.run("train", "--run-dir", crashed.toString(), "--resume");

      assertThat(resumed.exitCode()).as(resumed.err()).isZero();
      Path wholeCheckpoint = whole.resolve(RunManifest.CHECKPOINT);
      Path crashedCheckpoint = crashed.resolve(RunManifest.CHECKPOINT);
      TrainingState expected = TrainingCheckpoint.readState(wholeCheckpoint);
      TrainingState actual = TrainingCheckpoint.readState(crashedCheckpoint);
      assertThat(actual.step()).isEqualTo(expected.step()).isEqualTo(total);
      assertThat(actual.ledger()).isEqualTo(expected.ledger());
      assertSameParameters(crashedCheckpoint.resolve(TrainingCheckpoint.TRAINABLE),
          wholeCheckpoint.resolve(TrainingCheckpoint.TRAINABLE));
      assertThat(CrashResumeTest.trainLines(crashed)).isEqualTo(total);
      assertThat(RunManifest.read(crashed).executors()).isEmpty();
    }
  }

  @Test
  void sparkWithAnotherTask_exitsTwoNamingTheFlag(@TempDir Path dir) {
    Cli run = Cli.run("train", "--task", "causal-lm", "--spark", "local[2]", "--run-dir",
        dir.resolve("r").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--spark trains --task text-classification only")
        .doesNotContain("at io.dpft");
  }

  @Test
  void sparkWithoutDp_exitsTwoNamingWhatSparkCannotDo(@TempDir Path dir) throws IOException {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path trainFile = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Cli run = Cli.run("train", "--model", runs.modelDirectory.toString(), "--no-dp",
          "--method", "lora", "--data", trainFile.toString(), "--spark", "local[1]", "--run-dir",
          dir.resolve("r").toString());
      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.err()).contains("--spark: training on Spark is DP-SGD only")
          .contains("got lora").doesNotContain("at io.dpft");
    }
  }

  /** Each tensor of {@code actual} within 1e-6 relative L2 error of {@code expected}'s. */
  private static void assertSameParameters(Path actual, Path expected) throws IOException {
    try (SafetensorsReader a = SafetensorsReader.open(actual);
        SafetensorsReader b = SafetensorsReader.open(expected);
        PointerScope scope = new PointerScope()) {
      assertThat(a.names()).isNotEmpty().containsExactlyInAnyOrderElementsOf(b.names());
      for (String name : a.names()) {
        Tensor x = a.read(name);
        Tensor y = b.read(name);
        double error = x.sub(y).norm().item_double() / y.norm().item_double();
        assertThat(error).as(name).isLessThanOrEqualTo(1e-6);
      }
    }
  }
}
