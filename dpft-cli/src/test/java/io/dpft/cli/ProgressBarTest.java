package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.train.StepReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private static final long STEPS = 20;

  private static String run(PrintWriter err, StringWriter sink) {
    ProgressBar bar = new ProgressBar(err, "bitfit", 8, true);
    for (long s = 0; s < STEPS; s++) {
      bar.onStep(new StepReport(s, STEPS, s / 10.0, 16, 0.5, 1e-3, 0.1 * s, 100,
          ClippingStats.EMPTY));
    }
    bar.onStop("stopped");
    err.flush();
    return sink.toString();
  }

  @Test
  void onAWriterThatIsNotATerminal_printsOneLinePerTenthAndNoCarriageReturn() {
    StringWriter sink = new StringWriter();

    String written = run(new PrintWriter(sink), sink);

    assertThat(written).doesNotContain("\r");
    // a line after steps 1, 2, 4, 6, … 20 (each new tenth), then the stop line
    assertThat(written.lines().filter(l -> l.startsWith("bitfit ["))).hasSize(11);
    assertThat(written).contains("] 20/20").endsWith("bitfit: stopped" + System.lineSeparator());
  }

  @Test
  void theProcessStandardStreams_underTheTestRunner_areNotTerminals() {
    // surefire's forked JVM writes to pipes, as a CI job or `dpft train 2>log` does
    assertThat(TerminalWriter.isTerminal(2)).isFalse();
    assertThat(TerminalWriter.isTerminal(TerminalWriter.stderr())).isFalse();
    assertThat(TerminalWriter.isTerminal(new PrintWriter(new StringWriter()))).isFalse();
  }
}
