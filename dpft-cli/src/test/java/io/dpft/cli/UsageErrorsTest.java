package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class UsageErrorsTest {
  private static final String[] GOOD = {
    "--noise-multiplier", "1.0", "--sample-rate", "0.01", "--steps", "100", "--delta", "1e-5"
  };

  /** account with GOOD's value of {@code flag} replaced (or a flag added) by {@code value}. */
  private static String[] accountWith(String flag, String value) {
    Stream.Builder<String> args = Stream.<String>builder().add("account");
    boolean replaced = false;
    for (int i = 0; i < GOOD.length; i += 2) {
      args.add(GOOD[i]).add(GOOD[i].equals(flag) ? value : GOOD[i + 1]);
      replaced |= GOOD[i].equals(flag);
    }
    if (!replaced) {
      args.add(flag).add(value);
    }
    return args.build().toArray(String[]::new);
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(
            accountWith("--sample-rate", "1.5"), "--sample-rate must be in (0, 1], got 1.5"),
        Arguments.of(accountWith("--sample-rate", "0"), "--sample-rate must be in (0, 1]"),
        Arguments.of(accountWith("--sample-rate", "abc"), "--sample-rate"),
        Arguments.of(accountWith("--noise-multiplier", "-1"), "--noise-multiplier must be > 0"),
        Arguments.of(accountWith("--steps", "0"), "--steps must be >= 1, got 0"),
        Arguments.of(accountWith("--steps", "1.5"), "--steps"),
        Arguments.of(accountWith("--delta", "1.5"), "--delta must be in (0, 1), got 1.5"),
        Arguments.of(accountWith("--accountant", "moments"), "--accountant"),
        Arguments.of(
            new String[] {
              "account",
              "--noise-multiplier",
              "1",
              "--batch-size",
              "500",
              "--dataset-size",
              "100",
              "--steps",
              "10",
              "--delta",
              "1e-5"
            },
            "--batch-size must be <= --dataset-size"),
        Arguments.of(
            new String[] {
              "account",
              "--noise-multiplier",
              "1",
              "--sample-rate",
              "0.1",
              "--epochs",
              "-2",
              "--delta",
              "1e-5"
            },
            "--epochs must be > 0"),
        Arguments.of(
            new String[] {
              "calibrate",
              "--target-epsilon",
              "-3",
              "--sample-rate",
              "0.1",
              "--steps",
              "10",
              "--delta",
              "1e-5"
            },
            "--target-epsilon must be > 0"),
        Arguments.of(
            new String[] {"account", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5"},
            "Missing required argument (specify one of these):"
                + " (--sample-rate=Q | (--batch-size=B --dataset-size=N))"),
        Arguments.of(
            new String[] {
              "calibrate", "--target-epsilon", "1", "--sample-rate", "0.1", "--delta", "1e-5"
            },
            "(--steps=T | --epochs=E)"),
        Arguments.of(
            new String[] {
              "account",
              "--noise-multiplier",
              "1",
              "--batch-size",
              "64",
              "--steps",
              "10",
              "--delta",
              "1e-5"
            },
            "Missing required argument(s): --dataset-size=N"),
        Arguments.of(
            new String[] {
              "account",
              "--noise-multiplier",
              "1",
              "--sample-rate",
              "0.1",
              "--batch-size",
              "64",
              "--dataset-size",
              "640",
              "--steps",
              "10",
              "--delta",
              "1e-5"
            },
            "mutually exclusive"));
  }

  @ParameterizedTest
  @MethodSource("badInputs")
  void badInput_exitsTwoWithOneLineNamingTheFlag(String[] args, String expected) {
    Cli run = Cli.run(args);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err())
        .contains(expected)
        .startsWith("dpft " + args[0] + ": ")
        .contains("Try 'dpft " + args[0] + " --help'")
        .doesNotContain("at io.dpft")
        .doesNotContain("Exception");
  }

  @Test
  void misspelledOption_suggestsTheRightOne() {
    Cli run = Cli.run(accountWith("--noise-multiplyer", "1"));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).contains("--noise-multiplyer").contains("did you mean");
  }

  @Test
  void misspelledRequiredOption_namesTheMisspellingRatherThanTheMissingFlag() {
    Cli run =
        Cli.run(
            "account",
            "--noise-multiplyer",
            "1",
            "--sample-rate",
            "0.01",
            "--steps",
            "10",
            "--delta",
            "1e-5");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err())
        .contains("Unknown option")
        .contains("did you mean '--noise-multiplier'?")
        .doesNotContain("Missing");
  }

  @Test
  void unknownCommand_exitsTwo() {
    Cli run = Cli.run("acount");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err()).startsWith("dpft: ").contains("did you mean 'account'");
  }

  @Test
  void noCommand_printsUsageOnStderrAndExitsTwo() {
    Cli run = Cli.run();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("Usage: dpft").contains("account").contains("calibrate");
  }

  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("the unexpected\nhappened");
    }
  }

  private static CommandLine withBoom(boolean debug) {
    CommandLine commandLine = DpftCommand.newCommandLine(debug);
    commandLine.addSubcommand(new Boom());
    return commandLine;
  }

  @Test
  void unexpectedError_exitsOneWithOneLineAndNoStackTrace() {
    Cli run = Cli.run(withBoom(false), "boom");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err())
        .startsWith("dpft boom: unexpected error: IllegalStateException: the unexpected happened")
        .contains("--debug")
        .doesNotContain("\tat ");
  }

  @Test
  void unexpectedError_withDebugFlag_printsTheStackTrace() {
    Cli before = Cli.run(withBoom(false), "--debug", "boom");
    Cli after = Cli.run(withBoom(false), "boom", "--debug");

    assertThat(before.exitCode()).isEqualTo(1);
    assertThat(before.err()).contains("at io.dpft.cli.UsageErrorsTest$Boom.call");
    assertThat(after.err()).contains("at io.dpft.cli.UsageErrorsTest$Boom.call");
  }

  @Test
  void unexpectedError_withDebugEnvironment_printsTheStackTrace() {
    Cli run = Cli.run(withBoom(true), "boom");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("at io.dpft.cli.UsageErrorsTest$Boom.call");
  }
}
