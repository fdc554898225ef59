package io.dpft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The top-level {@code dpft} command: lists the subcommands (the one place they are listed) and the
 * options every command shares. Run without a subcommand it prints its usage and fails.
 */
@Command(
    name = "dpft",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Differentially private fine-tuning of pretrained transformers.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:an unexpected error, or a run that could not go on (the message says why)",
      "2:bad input: a flag, a file or a combination (one line naming it)",
      "3:a training run stopped at its privacy budget before its last step (checkpoint and"
          + " report written)",
      "4:an audit whose lower bound exceeds the claimed ε"
    },
    footer = {
      "dpft quickstart",
      "dpft account --noise-multiplier 1.1 --sample-rate 0.01 --epochs 30 --delta 1e-5",
      "dpft help calibrate"
    },
    subcommands = {
      AccountCommand.class,
      CalibrateCommand.class,
      QuickstartCommand.class,
      TrainCommand.class,
      TuneCommand.class,
      AuditCommand.class,
      ConvertCommand.class,
      ExportCommand.class,
      BenchCommand.class,
      EvalCommand.class,
      PredictCommand.class,
      ReportCommand.class,
      HelpCommand.class
    })
public final class DpftCommand implements Callable<Integer> {
  /** The flag that turns on stack traces for unexpected errors; read by the error handler. */
  static final String DEBUG_FLAG = "--debug";

  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(
      names = DEBUG_FLAG,
      scope = ScopeType.INHERIT,
      description = "print the stack trace of an unexpected error (or set DPFT_DEBUG=1)")
  private boolean debug;

  /**
   * The command line with dpft's error handling: bad input gives a one-line message and exit code
   * 2, an unexpected error a one-line message and exit code 1.
   *
   * @param debug print stack traces of unexpected errors even without {@value #DEBUG_FLAG}
   */
  public static CommandLine newCommandLine(boolean debug) {
    return new CommandLine(new DpftCommand())
        .setParameterExceptionHandler(new UsageErrorHandler())
        .setExecutionExceptionHandler(new ExecutionErrorHandler(debug));
  }

  @Override
  public Integer call() {
    CommandLine commandLine = spec.commandLine();
    commandLine.usage(commandLine.getErr());
    return commandLine.getCommandSpec().exitCodeOnInvalidInput();
  }
}
