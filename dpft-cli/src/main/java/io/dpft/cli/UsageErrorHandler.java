package io.dpft.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Bad input on the command line: one line on stderr that names the command, says what is wrong and
 * points to the command's help, then exit code 2. No usage dump, no stack trace.
 */
final class UsageErrorHandler implements IParameterExceptionHandler {

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine commandLine = ex.getCommandLine();
    // a misspelt flag often also makes a required one "missing": name the misspelling first
    UnmatchedArgumentException unmatched =
        ex instanceof UnmatchedArgumentException
            ? (UnmatchedArgumentException) ex
            : commandLine.getUnmatchedArguments().isEmpty()
                ? null
                : new UnmatchedArgumentException(commandLine, commandLine.getUnmatchedArguments());
    if (unmatched == null) {
      return report(commandLine, ex.getMessage());
    }
    String message = unmatched.getMessage();
    if (!unmatched.getSuggestions().isEmpty()) {
      message += "; did you mean '" + String.join("' or '", unmatched.getSuggestions()) + "'?";
    }
    return report(commandLine, message);
  }

  /**
   * Prints {@code "<command>: <message>. Try '<command> --help'."} on one line of the command's
   * stderr and returns the exit code for invalid input.
   */
  static int report(CommandLine commandLine, String message) {
    String command = commandLine.getCommandSpec().qualifiedName();
    String text = oneLine(message);
    String stop = text.matches(".*[.?!]$") ? " " : ". ";
    commandLine.getErr().println(command + ": " + text + stop + "Try '" + command + " --help'.");
    commandLine.getErr().flush();
    return commandLine.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** The message without picocli's "Error: " prefix, with line breaks folded into spaces. */
  static String oneLine(String message) {
    String text = message == null ? "" : message.strip();
    if (text.startsWith("Error: ")) {
      text = text.substring("Error: ".length());
    }
    return text.replaceAll("\\s*\\R\\s*", " ");
  }
}
