package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrivacyReportTest {
  private static final SamplingSchedule SCHEDULE = new SamplingSchedule(0.01, 3_000);

  private static List<String> keys(JsonNode json) {
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @Test
  void toJson_rdp_hasTheMechanismAndTheOrder() {
    PrivacyLoss loss = new PrivacyLoss.Rdp(2.5, 1e-5, 12);

    JsonNode json = new PrivacyReport(AccountantKind.RDP, 1.1, SCHEDULE, loss).toJson();

    assertThat(keys(json))
        .containsExactly(
            "accountant", "noise_multiplier", "sample_rate", "steps", "epsilon", "delta", "order");
    assertThat(json.get("accountant").asText()).isEqualTo("rdp");
    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(1.1);
    assertThat(json.get("sample_rate").asDouble()).isEqualTo(0.01);
    assertThat(json.get("steps").asLong()).isEqualTo(3_000);
    assertThat(json.get("epsilon").asDouble()).isEqualTo(2.5);
    assertThat(json.get("delta").asDouble()).isEqualTo(1e-5);
    assertThat(json.get("order").asDouble()).isEqualTo(12);
  }

  @Test
  void toJson_prv_hasTheBoundsInSnakeCase() {
    PrivacyLoss loss = new PrivacyLoss.Prv(2.5, 1e-5, 2.4, 2.6);

    JsonNode json = new PrivacyReport(AccountantKind.PRV, 1.1, SCHEDULE, loss).toJson();

    assertThat(json.get("epsilon_lower").asDouble()).isEqualTo(2.4);
    assertThat(json.get("epsilon_upper").asDouble()).isEqualTo(2.6);
  }

  @Test
  void toJson_gdp_hasMu() {
    PrivacyLoss loss = new PrivacyLoss.Gdp(2.5, 1e-5, 0.7);

    JsonNode json = new PrivacyReport(AccountantKind.GDP, 1.1, SCHEDULE, loss).toJson();

    assertThat(json.get("mu").asDouble()).isEqualTo(0.7);
  }

  @Test
  void toText_namesEachQuantity() {
    PrivacyLoss loss = new PrivacyLoss.Prv(2.5, 1e-5, 2.4, 2.6);

    List<String> text = new PrivacyReport(AccountantKind.PRV, 1.1, SCHEDULE, loss).toText();

    assertThat(text)
        .containsExactly(
            "accountant         prv",
            "noise multiplier   σ = 1.1",
            "sample rate        q = 0.01",
            "steps              T = 3,000 (30 epochs)",
            "δ                  1e-5",
            "ε                  2.5 (bounds 2.4 ≤ ε ≤ 2.6)");
  }

  @Test
  void epsilonText_rdp_namesTheOrder() {
    assertThat(PrivacyReport.epsilonText(new PrivacyLoss.Rdp(2.5, 1e-5, 12)))
        .isEqualTo("2.5 (best Rényi order α = 12)");
  }

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
