package io.dpft.cli;

/**
 * The exit codes of every dpft command: 0 done, 1 an unexpected error or a run that could not go on
 * (picocli's {@code exitCodeOnExecutionException}), 2 bad input (picocli's {@code
 * exitCodeOnInvalidInput}), 3 a training run that stopped at its privacy budget before its last
 * step: its checkpoint and report are written, and a script can tell it from a crash; 4 an audit
 * whose lower bound exceeds the claimed ε.
 */
final class ExitCodes {
  static final int OK = 0;
  static final int BUDGET_STOP = 3;
  static final int AUDIT_REFUTED = 4;

  private ExitCodes() {}

  /** {@link #OK} for a run that took every step, {@link #BUDGET_STOP} for one stopped early. */
  static int ofRun(boolean completed) {
    return completed ? OK : BUDGET_STOP;
  }
}
