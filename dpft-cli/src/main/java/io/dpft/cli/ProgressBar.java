package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.train.StepReport;
import io.dpft.core.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: steps done, loss, ε spent (of the budget), throughput and
 * time left. When the stream it writes to is a terminal ({@link TerminalWriter}) it redraws in
 * place; otherwise (CI, pipes, log files) it prints a line every tenth of the run and never a
 * carriage return, so logs stay short and readable.
 */
final class ProgressBar implements TrainingListener {
  private static final int WIDTH = 24;
  private final PrintWriter err;
  private final String label;
  private final double epsilonBudget;
  private final boolean interactive;
  private final boolean batchStatistics;
  private final long started = System.nanoTime();
  private long lastDecile = -1;

  /**
   * @param batchStatistics whether to show the loss and throughput of each step's private batch
   *     (not covered by ε)
   */
  ProgressBar(PrintWriter err, String label, double epsilonBudget, boolean batchStatistics) {
    this.err = err;
    this.label = label;
    this.epsilonBudget = epsilonBudget;
    this.batchStatistics = batchStatistics;
    this.interactive = TerminalWriter.isTerminal(err);
  }

  @Override
  public void onStart(String summary) {
    err.println(label + ": " + summary);
    err.flush();
  }

  @Override
  public void onPhase(int phase, FineTuningMethod method, long steps) {
    if (phase > 0) {
      finishLine();
      err.printf(Locale.ROOT, "%s: phase %d, %s for %d steps%n", label, phase + 1, method.cliName(), steps);
      err.flush();
    }
  }

  @Override
  public void onStep(StepReport r) {
    long done = r.step() + 1;
    double fraction = (double) done / r.totalSteps();
    long decile = (long) Math.floor(fraction * 10);
    if (!interactive && decile == lastDecile && done < r.totalSteps()) {
      return;
    }
    lastDecile = decile;
    int filled = (int) Math.round(fraction * WIDTH);
    double elapsed = (System.nanoTime() - started) / 1e9;
    double left = elapsed / done * (r.totalSteps() - done);
    String privacy =
        epsilonBudget > 0
            ? String.format(Locale.ROOT, "  ε %.2f/%.2f", r.epsilon(), epsilonBudget)
            : (r.epsilon() > 0 ? String.format(Locale.ROOT, "  ε %.2f", r.epsilon()) : "");
    String line =
        String.format(
            Locale.ROOT,
            "%s [%s%s] %d/%d%s%s%s  %s left",
            label,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            done,
            r.totalSteps(),
            batchStatistics ? String.format(Locale.ROOT, "  loss %.3f", r.loss()) : "",
            privacy,
            batchStatistics
                ? String.format(Locale.ROOT, "  %.0f samples/s", r.samplesPerSecond())
                : "",
            duration(left));
    err.print(interactive ? "\r" + line : line + System.lineSeparator());
    if (interactive && done == r.totalSteps()) {
      err.println();
    }
    err.flush();
  }

  @Override
  public void onStop(String reason) {
    finishLine();
    err.println(label + ": " + reason);
    err.flush();
  }

  private void finishLine() {
    if (interactive) {
      err.println();
    }
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
  }
}
