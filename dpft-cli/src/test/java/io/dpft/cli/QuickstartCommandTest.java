package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.privacy.accounting.AccountantKind;
import io.dpft.privacy.calibration.Calibration;
import io.dpft.privacy.calibration.NoiseCalibrator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class QuickstartCommandTest {
  private static final double DELTA = 1 / Math.pow(2400, 1.1);
  private static final Pattern EPOCH_ROW = Pattern.compile("^\\s+(\\d) +(\\d+) +([0-9.]+) .*");

  @Test
  void quickstart_saysTrainingIsNotYetAvailable() {
    Cli run = Cli.run("quickstart");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).contains("N = 2,400").contains("B = 64").contains("not yet available");
  }

  @Test
  void quickstart_calibratesSigmaAsTheLibraryDoes() {
    Calibration expected =
        NoiseCalibrator.calibrate(AccountantKind.RDP.create(), 8, DELTA, 64.0 / 2400, 112);

    assertThat(Cli.run("quickstart").out())
        .contains("σ = " + PrivacyReport.number(expected.noiseMultiplier(), 6) + ",")
        .contains("T = floor(3/q) = 112 steps");
  }

  @Test
  void quickstart_showsEachEpochWithinTheTarget() {
    List<Matcher> rows =
        Cli.run("quickstart")
            .out()
            .lines()
            .map(EPOCH_ROW::matcher)
            .filter(Matcher::matches)
            .collect(Collectors.toList());

    assertThat(rows).hasSize(3);
    for (int epoch = 1; epoch <= 3; epoch++) {
      Matcher row = rows.get(epoch - 1);
      assertThat(Integer.parseInt(row.group(1))).isEqualTo(epoch);
      assertThat(Long.parseLong(row.group(2))).isEqualTo(epoch * 2400L / 64); // 37, 75, 112
    }
    double[] rdp = rows.stream().mapToDouble(r -> Double.parseDouble(r.group(3))).toArray();
    assertThat(rdp[0]).isLessThan(rdp[1]);
    assertThat(rdp[1]).isLessThan(rdp[2]);
    assertThat(rdp[2]).isLessThanOrEqualTo(8.0);
  }
}
