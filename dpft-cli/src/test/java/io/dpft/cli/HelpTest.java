package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {

  @ParameterizedTest
  @ValueSource(strings = {"account", "calibrate"})
  void help_exitsZeroAndGivesUnitsRangesAndDefaults(String command) {
    Cli run = Cli.run(command, "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("Usage: dpft " + command)
        .contains("--delta=D")
        .contains("target δ of (ε, δ)-DP, a probability in (0, 1)")
        .contains("in (0, 1]")
        .contains("default: rdp")
        .contains("rdp, prv, gdp")
        .contains("batch size in examples")
        .contains("(--steps=T | --epochs=E)")
        .contains("Examples:");
  }

  @Test
  void accountHelp_givesTheNoiseMultipliersUnit() {
    assertThat(Cli.run("account", "--help").out())
        .contains("--noise-multiplier=S")
        .contains("in units of the clipping norm C");
  }

  @Test
  void calibrateHelp_describesTheTarget() {
    assertThat(Cli.run("calibrate", "--help").out()).contains("--target-epsilon=EPS");
  }

  @Test
  void helpCommand_printsTheSubcommandsHelp() {
    Cli run = Cli.run("help", "account");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo(Cli.run("account", "--help").out());
  }

  @Test
  void topLevelHelp_listsTheCommands() {
    Cli run = Cli.run("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("account").contains("calibrate").contains("quickstart");
  }

  @Test
  void quickstartHelp_saysWhatItTrains() {
    Cli run = Cli.run("quickstart", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("DP-BiTFiT", "ε = 8", "--epochs", "default: 3");
  }

  @Test
  void version_isThePomsVersion() {
    Cli run = Cli.run("--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("dpft " + System.getProperty("dpft.pomVersion") + "\n");
    assertThat(System.getProperty("dpft.pomVersion")).matches("\\d+\\.\\d+\\.\\d+.*");
  }
}
