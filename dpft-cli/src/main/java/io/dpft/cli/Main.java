package io.dpft.cli;

/** The {@code dpft} executable: runs {@link DpftCommand} and exits with its exit code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    boolean debug = "1".equals(System.getenv("DPFT_DEBUG"));
    System.exit(
        DpftCommand.newCommandLine(debug).setErr(TerminalWriter.stderr()).execute(args));
  }
}
