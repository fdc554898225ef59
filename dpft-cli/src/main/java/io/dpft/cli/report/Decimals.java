package io.dpft.cli.report;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Numbers for people: rounded to significant digits, plain from 0.001 upwards ({@code 0.05},
 * {@code 8}, {@code 1234.5}) and as {@code 1e-5} / {@code 2.5e-7} below.
 */
final class Decimals {
  private Decimals() {}

  /** {@code value} to {@code digits} significant digits. */
  static String significant(double value, int digits) {
    return Double.isFinite(value)
        ? format(new BigDecimal(value).round(new MathContext(digits)))
        : Double.toString(value);
  }

  private static String format(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.signum() == 0 || stripped.abs().compareTo(new BigDecimal("0.001")) >= 0) {
      return stripped.toPlainString();
    }
    int exponent = stripped.precision() - stripped.scale() - 1;
    return stripped.movePointRight(-exponent).toPlainString() + "e" + exponent;
  }
}
