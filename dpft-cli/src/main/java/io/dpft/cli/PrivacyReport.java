package io.dpft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code account} and {@code calibrate} print: the mechanism (σ, q, T), the accountant and the
 * privacy loss it reports, as text rows or as one JSON object. The JSON keys are the snake case of
 * the library's names ({@code noise_multiplier}, {@code sample_rate}, {@code steps}, and the {@link
 * PrivacyLoss} record's components: {@code epsilon}, {@code delta}, {@code order}, {@code
 * epsilon_lower}, {@code epsilon_upper}, {@code mu}).
 */
record PrivacyReport(
    AccountantKind accountant,
    double noiseMultiplier,
    SamplingSchedule schedule,
    PrivacyLoss loss) {

  static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /** The report as one JSON object, keys in a fixed order. */
  ObjectNode toJson() {
    ObjectNode json = JSON.createObjectNode();
    json.put("accountant", accountant.cliName());
    json.put("noise_multiplier", noiseMultiplier);
    json.put("sample_rate", schedule.sampleRate());
    json.put("steps", schedule.steps());
    json.setAll((ObjectNode) JSON.valueToTree(loss));
    return json;
  }

  /** The report as aligned text rows. */
  List<String> toText() {
    List<String> rows = new ArrayList<>();
    rows.add(row("accountant", accountant.cliName()));
    rows.add(row("noise multiplier", "σ = " + number(noiseMultiplier, 6)));
    rows.add(row("sample rate", "q = " + number(schedule.sampleRate(), 6)));
    rows.add(
        row(
            "steps",
            String.format(Locale.ROOT, "T = %,d", schedule.steps())
                + " ("
                + number(schedule.steps() * schedule.sampleRate(), 4)
                + " epochs)"));
    rows.add(row("δ", number(loss.delta(), 4)));
    rows.add(row("ε", epsilonText(loss)));
    return rows;
  }

  /** ε with what the accountant adds: RDP's best order, PRV's bounds, GDP's μ. */
  static String epsilonText(PrivacyLoss loss) {
    String epsilon = number(loss.epsilon(), 4);
    if (loss instanceof PrivacyLoss.Rdp) {
      return epsilon
          + " (best Rényi order α = "
          + number(((PrivacyLoss.Rdp) loss).order(), 4)
          + ")";
    }
    if (loss instanceof PrivacyLoss.Prv) {
      PrivacyLoss.Prv prv = (PrivacyLoss.Prv) loss;
      return epsilon
          + " (bounds "
          + number(prv.epsilonLower(), 4)
          + " ≤ ε ≤ "
          + number(prv.epsilonUpper(), 4)
          + ")";
    }
    PrivacyLoss.Gdp gdp = (PrivacyLoss.Gdp) loss;
    return epsilon + " (μ-GDP with μ = " + number(gdp.mu(), 4) + ", a central-limit approximation)";
  }

  /** A label column and a value. */
  static String row(String label, String value) {
    return String.format(Locale.ROOT, "%-18s %s", label, value);
  }

  /**
   * {@code value} to {@code digits} significant digits without trailing zeros: plain down to 0.001,
   * then as {@code 1.914e-4}.
   */
  static String number(double value, int digits) {
    if (!Double.isFinite(value)) {
      return Double.toString(value);
    }
    BigDecimal rounded = new BigDecimal(value).round(new MathContext(digits)).stripTrailingZeros();
    if (value == 0 || Math.abs(value) >= 1e-3) {
      return rounded.toPlainString();
    }
    int exponent = rounded.precision() - rounded.scale() - 1;
    return rounded.movePointRight(-exponent).toPlainString() + "e" + exponent;
  }
}
