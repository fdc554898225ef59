package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.train.RunManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFileTest {
  @Test
  void configJson_rerunsAsConfig_withTheSameOptionsAndPrivacy(@TempDir Path dir) throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path first = dir.resolve("first");
      Cli original = Cli.run("train", "--model", runs.modelDirectory.toString(), "--data",
          data.toString(), "--target-epsilon", "4", "--epochs", "1", "--batch-size", "8",
          "--physical-batch-size", "8", "--max-length", "16", "--pooling", "cls",
          "--clipping", "automatic", "--optimizer", "sgd", "--seed", "5",
          "--run-dir", first.toString());
      assertThat(original.exitCode()).as(original.err()).isZero();

      Path again = dir.resolve("again");
      Cli rerun = Cli.run("train", "--config", first.resolve(RunManifest.FILE).toString(),
          "--run-dir", again.toString());

      assertThat(rerun.exitCode()).as(rerun.err()).isZero();
      RunManifest was = RunManifest.read(first);
      RunManifest now = RunManifest.read(again);
      assertThat(now.output().command()).isEqualTo(was.output().command())
          .containsEntry("--pooling", "cls").containsEntry("--optimizer", "sgd");
      assertThat(now.privacy()).isEqualTo(was.privacy());
      assertThat(now.pooling()).isEqualTo("cls");
      assertThat(now.changesTo(was)).isEmpty();
    }
  }

  @Test
  void yamlFile_setsEveryKey_andCommandLineFlagsOverrideIt(@TempDir Path dir) throws Exception {
    try (TrainedRuns runs = TrainedRuns.create(dir, List.of("neg", "pos"))) {
      Path data = TrainCommandTest.csv(dir.resolve("train.csv"), 40, 0);
      Path yaml = Files.writeString(dir.resolve("run.yaml"), String.join("\n",
          "model: " + runs.modelDirectory,
          "data: " + data,
          "no-dp: true",
          "epochs: 1",
          "batch-size: 8",
          "max-length: 16",
          "lr: 0.001",
          "omit-batch-statistics: false",
          ""));
      Path run = dir.resolve("mine");

      Cli cli = Cli.run("train", "--config", yaml.toString(), "--lr", "0.02",
          "--run-dir", run.toString());

      assertThat(cli.exitCode()).as(cli.err()).isZero();
      RunManifest manifest = RunManifest.read(run);
      assertThat(manifest.learningRate()).isEqualTo(0.02); // the flag, not the file's 0.001
      assertThat(manifest.epochs()).isEqualTo(1.0);
      assertThat(manifest.logicalBatchSize()).isEqualTo(8);
      assertThat(manifest.privacy().dp()).isFalse();
      assertThat(manifest.output().batchStatistics()).isTrue();
    }
  }

  @Test
  void unknownKey_exitsTwoNamingIt(@TempDir Path dir) throws Exception {
    Path yaml = Files.writeString(dir.resolve("run.yaml"), "epochs: 1\nlearning-rate: 0.1\n");

    Cli cli = Cli.run("train", "--config", yaml.toString(), "--run-dir", dir.resolve("r").toString());

    assertThat(cli.exitCode()).isEqualTo(2);
    assertThat(cli.errLines()).hasSize(1);
    assertThat(cli.err()).contains("--config").contains("--learning-rate");
  }
}
