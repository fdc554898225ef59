package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code dpft train} fails fast, before any model or data is loaded. */
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
    assertThat(run.err()).contains("must be > 0");
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
  void export_notARunDirectory_exitsTwoNamingTheFile(@TempDir Path dir) {
    Cli run = Cli.run("export", "--checkpoint", dir.toString(), "--out", dir.resolve("x").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("config.json is missing");
  }
}
