package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One name per concept across commands; the old spellings still parse but are not shown. */
class FlagSpellingsTest {
  @Test
  void help_showsOnlyTheOneName() {
    assertThat(Cli.run("eval", "--help").out()).contains("--run-dir").doesNotContain("--checkpoint");
    assertThat(Cli.run("predict", "--help").out())
        .contains("--run-dir")
        .doesNotContain("--checkpoint");
    assertThat(Cli.run("export", "--help").out())
        .contains("--run-dir", "--output")
        .doesNotContain("--checkpoint")
        .doesNotContainPattern("--out\\b");
    assertThat(Cli.run("convert", "--help").out()).contains("--output").doesNotContainPattern("--out\\b");
    assertThat(Cli.run("report", "--help").out()).contains("--run-dir");
    assertThat(Cli.run("train", "--help").out())
        .contains("--target-epsilon")
        .doesNotContainPattern("--epsilon\\b");
  }

  @Test
  void missingRunDirectory_namesOnlyTheOneName() {
    Cli eval = Cli.run("eval");

    assertThat(eval.exitCode()).isEqualTo(2);
    assertThat(eval.err()).contains("--run-dir").doesNotContain("--checkpoint");
  }

  @Test
  void oldSpellings_stillReachTheSameOption(@TempDir Path dir) {
    // not a run directory: the error names the directory, so the option was read
    for (String[] args :
        new String[][] {
          {"export", "--checkpoint", dir.toString(), "--out", dir.resolve("x").toString()},
          {"export", "--run-dir", dir.toString(), "--output", dir.resolve("x").toString()},
          {"eval", "--checkpoint", dir.toString()},
          {"report", dir.toString()},
          {"report", "--run-dir", dir.toString()}
        }) {
      Cli run = Cli.run(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).contains(dir.toString());
    }
  }

  @Test
  void trainEpsilon_isTheHiddenSpellingOfTargetEpsilon(@TempDir Path dir) {
    Cli old = Cli.run("train", "--run-dir", dir.toString(), "--epsilon", "-1");
    Cli now = Cli.run("train", "--run-dir", dir.toString(), "--target-epsilon", "-1");

    assertThat(old.exitCode()).isEqualTo(2);
    assertThat(now.exitCode()).isEqualTo(2);
    assertThat(old.err()).isEqualTo(now.err()).contains("--target-epsilon");
  }
}
