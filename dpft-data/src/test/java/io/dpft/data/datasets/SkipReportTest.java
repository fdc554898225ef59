package io.dpft.data.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SkipReportTest {
  @Test
  void badRows_notSkipping_throwsTheRow() {
    BadRows bad = new BadRows(false);
    MalformedRowException row = new MalformedRowException("f.csv", 3, 5, "bad");
    assertThatThrownBy(() -> bad.report(row)).isSameAs(row);
  }

  @Test
  void badRows_skipping_countsAllKeepsFirstMessages() {
    BadRows bad = new BadRows(true);
    for (int i = 1; i <= BadRows.KEPT_MESSAGES + 5; i++) {
      bad.report(new MalformedRowException("f.csv", i, 1, "bad"));
    }
    SkipReport report = bad.toReport();
    assertThat(report.skipped()).isEqualTo(BadRows.KEPT_MESSAGES + 5);
    assertThat(report.firstMessages()).hasSize(BadRows.KEPT_MESSAGES);
    assertThat(report.firstMessages().get(0)).isEqualTo("f.csv, line 1, column 1: bad");
  }

  @Test
  void malformedRow_binaryFile_omitsLineAndColumn() {
    assertThat(new MalformedRowException("x.bin", 0, 0, "record 3: bad").getMessage())
        .isEqualTo("x.bin: record 3: bad");
  }

  @Test
  void plus_addsCounts() {
    SkipReport a = new SkipReport(2, java.util.List.of("a1", "a2"));
    SkipReport b = new SkipReport(1, java.util.List.of("b1"));
    assertThat(a.plus(b).skipped()).isEqualTo(3);
    assertThat(a.plus(b).firstMessages()).containsExactly("a1", "a2", "b1");
  }
}
