package io.dpft.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecimalsTest {
  @Test
  void exact_quotesTheShortestDecimalOfTheDouble() {
    assertThat(Decimals.exact(8.0)).isEqualTo("8");
    assertThat(Decimals.exact(0.0625)).isEqualTo("0.0625");
    assertThat(Decimals.exact(0.81234567891)).isEqualTo("0.81234567891");
    assertThat(Decimals.exact(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(Decimals.exact(1234.5)).isEqualTo("1234.5");
    assertThat(Decimals.exact(0)).isEqualTo("0");
  }

  @Test
  void exact_belowOneThousandth_usesAnExponent() {
    assertThat(Decimals.exact(1e-5)).isEqualTo("1e-5");
    assertThat(Decimals.exact(2.5e-7)).isEqualTo("2.5e-7");
    assertThat(Decimals.exact(0.001)).isEqualTo("0.001");
  }

  @Test
  void significant_rounds() {
    assertThat(Decimals.significant(7.123456, 4)).isEqualTo("7.123");
    assertThat(Decimals.significant(0.87499999, 4)).isEqualTo("0.875");
    assertThat(Decimals.significant(0.00012345, 3)).isEqualTo("1.23e-4");
    assertThat(Decimals.significant(Double.NaN, 3)).isEqualTo("NaN");
  }
}
