package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class FlagNamesTest {
  private final CommandSpec account = new CommandLine(new AccountCommand()).getCommandSpec();

  @Test
  void camelCase_ofKebabCase() {
    assertThat(FlagNames.camelCase("sample-rate")).isEqualTo("sampleRate");
    assertThat(FlagNames.camelCase("delta")).isEqualTo("delta");
  }

  @Test
  void inMessage_severalWordName_becomesTheFlagWherever() {
    assertThat(FlagNames.inMessage("batchSize must be <= datasetSize, got batchSize=5", account))
        .isEqualTo("--batch-size must be <= --dataset-size, got --batch-size=5");
  }

  @Test
  void inMessage_oneWordName_becomesTheFlagOnlyAsSubjectOrAssignment() {
    assertThat(FlagNames.inMessage("steps must be >= 1, got 0", account))
        .isEqualTo("--steps must be >= 1, got 0");
    assertThat(FlagNames.inMessage("no σ reaches ε after 10 steps at this delta", account))
        .isEqualTo("no σ reaches ε after 10 steps at this delta");
    assertThat(FlagNames.inMessage("got steps=0", account)).isEqualTo("got --steps=0");
  }

  @Test
  void inMessage_nameOfAnotherCommandsFlag_staysAsItIs() {
    assertThat(FlagNames.inMessage("targetEpsilon must be > 0", account))
        .isEqualTo("targetEpsilon must be > 0");
  }
}
