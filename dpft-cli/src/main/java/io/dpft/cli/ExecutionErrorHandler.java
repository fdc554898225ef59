package io.dpft.cli;

import io.dpft.core.train.RunFailedException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Errors while a command runs. An {@link IllegalArgumentException} from the library is bad input:
 * its message, with the library's parameter names turned into the command's flags (see {@link
 * FlagNames}), goes out like a parse error with exit code 2. A {@link RunFailedException} is a run
 * that cannot go on for a reason the user can act on: its one-line message, exit code 1.
 * Anything else is unexpected: a one-line message and exit code 1, with the stack trace only
 * under {@code --debug} or {@code DPFT_DEBUG=1}.
 */
final class ExecutionErrorHandler implements IExecutionExceptionHandler {
  private final boolean debug;

  /** With {@code debug} set (DPFT_DEBUG=1), stack traces are printed even without --debug. */
  ExecutionErrorHandler(boolean debug) {
    this.debug = debug;
  }

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine commandLine, ParseResult fullParseResult) {
    if (ex instanceof IllegalArgumentException) {
      return UsageErrorHandler.report(
          commandLine, FlagNames.inMessage(ex.getMessage(), commandLine.getCommandSpec()));
    }
    PrintWriter err = commandLine.getErr();
    boolean trace = debug || debugRequested(fullParseResult);
    if (trace) {
      ex.printStackTrace(err);
    }
    if (ex instanceof RunFailedException) {
      err.println(commandLine.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
      err.flush();
      return commandLine.getCommandSpec().exitCodeOnExecutionException();
    }
    err.println(
        commandLine.getCommandSpec().qualifiedName()
            + ": unexpected error: "
            + ex.getClass().getSimpleName()
            + (ex.getMessage() == null ? "" : ": " + UsageErrorHandler.oneLine(ex.getMessage()))
            + (trace ? "" : " (rerun with " + DpftCommand.DEBUG_FLAG + " for the stack trace)"));
    err.flush();
    return commandLine.getCommandSpec().exitCodeOnExecutionException();
  }

  /** Whether {@code --debug} was given to dpft or to any of the subcommands on the line. */
  private static boolean debugRequested(ParseResult parseResult) {
    for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption(DpftCommand.DEBUG_FLAG)) {
        return true;
      }
    }
    return false;
  }
}
