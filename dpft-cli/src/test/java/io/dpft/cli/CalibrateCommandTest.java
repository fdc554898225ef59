package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CalibrateCommandTest {
  private static final double TARGET_EPSILON = 3;
  private static final double DELTA = 1e-5;

  private static Cli calibrate(AccountantKind kind, String... more) {
    String[] base = {
      "calibrate", "--accountant", kind.cliName(), "--target-epsilon", "3", "--delta", "1e-5",
      "--batch-size", "256", "--dataset-size", "50000", "--epochs", "10"
    };
    return Cli.run(base, more);
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void json_isOneObjectWithTheKeys(AccountantKind kind) {
    Cli run = calibrate(kind, "--json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.jsonValues()).hasSize(1);
    JsonNode json = run.json();
    assertThat(json.get("accountant").asText()).isEqualTo(kind.cliName());
    assertThat(json.get("noise_multiplier").asDouble()).isPositive();
    assertThat(json.get("epsilon").asDouble()).isLessThanOrEqualTo(TARGET_EPSILON);
    assertThat(json.get("delta").asDouble()).isEqualTo(DELTA);
    assertThat(json.get("sample_rate").asDouble()).isEqualTo(256.0 / 50_000);
    assertThat(json.get("steps").asLong()).isEqualTo(10 * 50_000 / 256);
    assertThat(json.get("target_epsilon").asDouble()).isEqualTo(TARGET_EPSILON);
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void noiseMultiplier_equalsTheLibrary(AccountantKind kind) {
    Calibration expected =
        NoiseCalibrator.calibrate(
            kind.create(), TARGET_EPSILON, DELTA, 256.0 / 50_000, 10 * 50_000 / 256);

    JsonNode json = calibrate(kind, "--json").json();

    assertThat(json.get("noise_multiplier").asDouble()).isEqualTo(expected.noiseMultiplier());
    assertThat(json.get("epsilon").asDouble()).isEqualTo(expected.achieved().epsilon());
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void calibrateThenAccount_staysWithinTheTarget(AccountantKind kind) {
    JsonNode calibrated = calibrate(kind, "--json").json();

    JsonNode accounted =
        Cli.run(
                "account", "--accountant", kind.cliName(),
                "--noise-multiplier", calibrated.get("noise_multiplier").asText(),
                "--batch-size", "256", "--dataset-size", "50000", "--epochs", "10",
                "--delta", "1e-5", "--json")
            .json();

    assertThat(accounted.get("epsilon").asDouble())
        .isLessThanOrEqualTo(TARGET_EPSILON)
        .isEqualTo(calibrated.get("epsilon").asDouble());
  }

  @ParameterizedTest
  @EnumSource(AccountantKind.class)
  void text_namesSigmaAndTheTarget(AccountantKind kind) {
    Cli run = calibrate(kind);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("smallest σ with ε ≤ 3: σ = ").contains("accountant");
  }
}
