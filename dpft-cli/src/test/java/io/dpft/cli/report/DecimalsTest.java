package io.dpft.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecimalsTest {
  @Test
  void significant_rounds() {
    assertThat(Decimals.significant(7.123456, 4)).isEqualTo("7.123");
    assertThat(Decimals.significant(0.87499999, 4)).isEqualTo("0.875");
    assertThat(Decimals.significant(0.00012345, 3)).isEqualTo("1.23e-4");
    assertThat(Decimals.significant(Double.NaN, 3)).isEqualTo("NaN");
  }

  @Test
  void significant_dropsTrailingZeros_andUsesAnExponentBelowOneThousandth() {
    assertThat(Decimals.significant(8.0, 4)).isEqualTo("8");
    assertThat(Decimals.significant(1234.5, 4)).isEqualTo("1235"); // half-up of 1234.5
    assertThat(Decimals.significant(1e-5, 4)).isEqualTo("1e-5");
    assertThat(Decimals.significant(0.001, 4)).isEqualTo("0.001");
    assertThat(Decimals.significant(1.9185072261236716e-4, 4)).isEqualTo("1.919e-4");
  }
}
