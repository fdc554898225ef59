package io.dpft.cli;

/** The {@code dpft} executable: runs {@link DpftCommand} and exits with its exit code. */
public final class Main {
  private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

  private Main() {}

  public static void main(String[] args) {
    // the library's log lines (such as a --precision fallback) as one line each on stderr
    if (System.getProperty(LOG_FORMAT) == null) {
      System.setProperty(LOG_FORMAT, "dpft: %5$s%n");
    }
    boolean debug = "1".equals(System.getenv("DPFT_DEBUG"));
    System.exit(
        DpftCommand.newCommandLine(debug).setErr(TerminalWriter.stderr()).execute(args));
  }
}
