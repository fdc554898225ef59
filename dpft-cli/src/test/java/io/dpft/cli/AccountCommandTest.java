package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AccountCommandTest {
  private static final double SIGMA = 1.1;
  private static final double Q = 0.01;
  private static final long STEPS = 3_000;
  private static final double DELTA = 1e-5;

  private static Cli account(String accountant, String... more) {
    String[] base = {
      "account",
      "--accountant",
      accountant,
      "--noise-multiplier",
      "1.1",
      "--sample-rate",
      "0.01",
      "--steps",
      "3000",
      "--delta",
      "1e-5"
    };
    return Cli.run(base, more);
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void json_isOneObjectWithTheKeys(AccountantKind kind) {
    Cli run = account(kind.cliName(), "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.jsonValues()).hasSize(1);
    JsonNode json = run.json();
    assertThat(json.has("accountant")).isTrue();
    assertThat(json.get("accountant").asText()).isEqualTo(kind.cliName());
    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(SIGMA);
    assertThat(json.get("sample_rate").asDouble()).isEqualTo(Q);
    assertThat(json.get("steps").asLong()).isEqualTo(STEPS);
    assertThat(json.get("delta").asDouble()).isEqualTo(DELTA);
    assertThat(json.get("epsilon").isNumber()).isTrue();
    if (kind == AccountantKind.RDP) {
      assertThat(json.get("order").isNumber()).isTrue();
    }
    if (kind == AccountantKind.PRV) {
      assertThat(json.get("epsilon_lower").asDouble())
          .isLessThanOrEqualTo(json.get("epsilon").asDouble());
      assertThat(json.get("epsilon_upper").asDouble())
          .isGreaterThanOrEqualTo(json.get("epsilon").asDouble());
    }
    assertThat(run.err()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void json_epsilonEqualsTheLibrary(AccountantKind kind) {
    PrivacyLoss expected =
        kind.create().epsilon(List.of(new MechanismSegment(SIGMA, Q, STEPS)), DELTA);

    JsonNode json = account(kind.cliName(), "--json").json();

    assertThat(json.get("epsilon").asDouble()).isEqualTo(expected.epsilon());
    if (expected instanceof PrivacyLoss.Rdp) {
      assertThat(json.get("order").asDouble()).isEqualTo(((PrivacyLoss.Rdp) expected).order());
    }
    if (expected instanceof PrivacyLoss.Prv) {
      PrivacyLoss.Prv prv = (PrivacyLoss.Prv) expected;
      assertThat(json.get("epsilon_lower").asDouble()).isEqualTo(prv.epsilonLower());
      assertThat(json.get("epsilon_upper").asDouble()).isEqualTo(prv.epsilonUpper());
    }
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void batchSizeDatasetSizeAndEpochs_giveTheSameAsSampleRateAndSteps(AccountantKind kind) {
    long batchSize = 64;
    long datasetSize = 2_400;
    int epochs = 3;
    long steps = epochs * datasetSize / batchSize; // ⌊E·N/B⌋ in integer arithmetic: 112

    JsonNode bySizes =
        Cli.run(
                "account",
                "--accountant",
                kind.cliName(),
                "--noise-multiplier",
                "0.9",
                "--batch-size",
                "64",
                "--dataset-size",
                "2400",
                "--epochs",
                "3",
                "--delta",
                "1e-5",
                "--json")
            .json();
    JsonNode byRate =
        Cli.run(
                "account",
                "--accountant",
                kind.cliName(),
                "--noise-multiplier",
                "0.9",
                "--sample-rate",
                Double.toString((double) batchSize / datasetSize),
                "--steps",
                Long.toString(steps),
                "--delta",
                "1e-5",
                "--json")
            .json();

    assertThat(bySizes.get("steps").asLong()).isEqualTo(112);
    assertThat(bySizes).isEqualTo(byRate);
  }

  @Test
  void accountant_defaultsToRdp() {
    Cli run =
        Cli.run(
            "account",
            "--noise-multiplier",
            "1.1",
            "--sample-rate",
            "0.01",
            "--steps",
            "3000",
            "--delta",
            "1e-5",
            "--json");

    assertThat(run.json().get("accountant").asText()).isEqualTo("rdp");
    assertThat(run.json().has("order")).isTrue();
  }

  @Test
  void text_rdp_showsEpsilonAndTheBestOrder() {
    Cli run = account("rdp");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("ε ").contains("best Rényi order α = ").contains("σ = 1.1");
    assertThat(run.out()).contains("T = 3,000 (30 epochs)");
  }

  @Test
  void text_prv_showsTheBounds() {
    assertThat(account("prv").out()).containsPattern("bounds [0-9.]+ ≤ ε ≤ [0-9.]+");
  }

  @Test
  void accountant_isCaseInsensitive() {
    assertThat(account("GDP", "--json").json().get("accountant").asText()).isEqualTo("gdp");
  }
}
