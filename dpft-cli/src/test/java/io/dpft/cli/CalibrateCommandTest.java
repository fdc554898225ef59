package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CalibrateCommandTest {
  private static final double TARGET_EPSILON = 3;
  private static final double DELTA = 1e-5;

  /** 500 of 50,000 examples for one epoch: q = 0.01, T = 100 (cheap enough for PRV). */
  private static final String[] SAMPLING = {
    "--batch-size", "500", "--dataset-size", "50000", "--epochs", "1"
  };

  /** One calibration per accountant, shared by the tests (PRV calibration takes a while). */
  private static final Map<AccountantKind, Cli> CALIBRATED = new EnumMap<>(AccountantKind.class);

  private static Cli calibrate(AccountantKind kind, String... more) {
    String[] base = {
      "calibrate", "--accountant", kind.cliName(), "--target-epsilon", "3", "--delta", "1e-5"
    };
    return Cli.run(Cli.args(base, SAMPLING), more);
  }

  private static synchronized Cli calibratedJson(AccountantKind kind) {
    return CALIBRATED.computeIfAbsent(kind, k -> calibrate(k, "--json"));
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void json_isOneObjectWithTheKeys(AccountantKind kind) {
    Cli run = calibratedJson(kind);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.jsonValues()).hasSize(1);
    JsonNode json = run.json();
    assertThat(json.get("accountant").asText()).isEqualTo(kind.cliName());
    assertThat(json.get("noise_multiplier").asDouble()).isPositive();
    assertThat(json.get("epsilon").asDouble()).isLessThanOrEqualTo(TARGET_EPSILON);
    assertThat(json.get("delta").asDouble()).isEqualTo(DELTA);
    assertThat(json.get("sample_rate").asDouble()).isEqualTo(500.0 / 50_000);
    assertThat(json.get("steps").asLong()).isEqualTo(100);
    assertThat(json.get("target_epsilon").asDouble()).isEqualTo(TARGET_EPSILON);
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void noiseMultiplier_equalsTheLibrary(AccountantKind kind) {
    Calibration expected =
        NoiseCalibrator.calibrate(kind.create(), TARGET_EPSILON, DELTA, 500.0 / 50_000, 100);

    JsonNode json = calibratedJson(kind).json();

    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(expected.noiseMultiplier());
    assertThat(json.get("epsilon").asDouble()).isEqualTo(expected.achieved().epsilon());
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void calibrateThenAccount_staysWithinTheTarget(AccountantKind kind) {
    JsonNode calibrated = calibratedJson(kind).json();

    String[] account = {
      "account",
      "--accountant",
      kind.cliName(),
      "--noise-multiplier",
      calibrated.get("noise_multiplier").asText(),
      "--delta",
      "1e-5"
    };
    JsonNode accounted = Cli.run(Cli.args(account, SAMPLING), "--json").json();

    assertThat(accounted.get("epsilon").asDouble())
        .isLessThanOrEqualTo(TARGET_EPSILON)
        .isEqualTo(calibrated.get("epsilon").asDouble());
  }

  @Test
  void text_namesSigmaAndTheTarget() {
    Cli run = calibrate(AccountantKind.RDP);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("smallest σ with ε ≤ 3: σ = ")
        .contains("accountant         rdp")
        .contains("T = 100 (1 epochs)");
  }
}
