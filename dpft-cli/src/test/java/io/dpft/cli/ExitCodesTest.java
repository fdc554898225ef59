package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.ExitCode;

class ExitCodesTest {
  @Test
  void ofRun_budgetStop_isThree_apartFromSuccessErrorsAndBadInput() {
    assertThat(ExitCodes.ofRun(false)).isEqualTo(3);
    assertThat(ExitCodes.ofRun(true)).isZero();
    assertThat(ExitCodes.BUDGET_STOP)
        .isNotIn(ExitCode.OK, ExitCode.SOFTWARE, ExitCode.USAGE); // 0, 1, 2
  }

  @Test
  void help_listsEveryExitCode() {
    Cli help = Cli.run("--help");

    assertThat(help.out())
        .contains("Exit codes:")
        .containsPattern("\\s2\\s+bad input")
        .containsPattern("\\s3\\s+a training run stopped at its privacy budget");
  }
}
