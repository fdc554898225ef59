package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrivacyReportTest {

  @Test
  void number_roundsToSignificantDigitsWithoutTrailingZeros() {
    assertThat(PrivacyReport.number(1.1, 6)).isEqualTo("1.1");
    assertThat(PrivacyReport.number(64.0 / 2400, 6)).isEqualTo("0.0266667");
    assertThat(PrivacyReport.number(3000, 4)).isEqualTo("3000");
    assertThat(PrivacyReport.number(0, 4)).isEqualTo("0");
  }

  @Test
  void number_belowOneThousandth_isWrittenWithAnExponent() {
    assertThat(PrivacyReport.number(1e-5, 4)).isEqualTo("1e-5");
    assertThat(PrivacyReport.number(Math.pow(2400, -1.1), 4)).isEqualTo("1.913e-4");
  }
}
