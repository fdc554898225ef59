package io.dpft.privacy.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.privacy.accounting.GdpAccountant;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyAccountant;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.accounting.RdpAccountant;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NoiseCalibratorTest {
  private static final RdpAccountant RDP = new RdpAccountant();
  private static final GdpAccountant GDP = new GdpAccountant();

  private static double epsilon(
      PrivacyAccountant accountant, double sigma, double q, long steps, double delta) {
    return accountant.epsilon(List.of(new MechanismSegment(sigma, q, steps)), delta).epsilon();
  }

  /**
   * Published check values from Opacus's test suite (pytorch/opacus,
   * opacus/tests/accountants_test.py, {@code test_get_noise_multiplier_rdp_epochs} and {@code
   * _rdp_steps}): ε = 8, δ = 1e-5, q = 0.04 need σ ≈ 1.416 for 90 epochs (2,250 steps) and σ ≈
   * 1.3562 for 2,000 steps. Opacus stops its bisection once ε is within 0.01 below the target, so
   * its σ is an upper bound on the smallest σ and may exceed it by ~1e-3.
   */
  @Test
  void opacusCheckValues_rdp() {
    assertThat(NoiseCalibrator.calibrate(RDP, 8, 1e-5, 0.04, 2250).noiseMultiplier())
        .isBetween(1.416 - 2e-3, 1.416 + 5e-5);
    assertThat(NoiseCalibrator.calibrate(RDP, 8, 1e-5, 0.04, 2000).noiseMultiplier())
        .isBetween(1.3562 - 2e-3, 1.3562 + 5e-5);
  }

  /** Same source, {@code test_get_noise_multiplier_gdp}: σ = 1.3232421875 at 90 epochs. */
  @Test
  void opacusCheckValue_gdp() {
    assertThat(NoiseCalibrator.calibrate(GDP, 8, 1e-5, 0.04, 2250).noiseMultiplier())
        .isBetween(1.3232421875 - 3e-3, 1.3232421875 + 1e-6);
  }

  @ParameterizedTest(name = "{0}: eps={1}, delta={2}, q={3}, steps={4}")
  @CsvSource({
    "rdp, 8, 1e-5, 0.04, 2250",
    "rdp, 1, 1e-5, 0.01, 1000",
    "rdp, 3, 1e-6, 0.001, 100000",
    "rdp, 0.5, 1e-5, 1.0, 1",
    "gdp, 8, 1e-5, 0.04, 2250",
    "gdp, 2, 1e-5, 0.005, 20000",
  })
  void calibrateThenAccount_meetsTheTargetTightly(
      String kind, double target, double delta, double q, long steps) {
    PrivacyAccountant accountant = kind.equals("rdp") ? RDP : GDP;
    Calibration calibration = NoiseCalibrator.calibrate(accountant, target, delta, q, steps);
    double sigma = calibration.noiseMultiplier();
    double achieved = epsilon(accountant, sigma, q, steps, delta);
    assertThat(achieved).isLessThanOrEqualTo(target).isGreaterThan(target * (1 - 1e-3));
    assertThat(calibration.achieved().epsilon()).isEqualTo(achieved);
    // Smallest: slightly less noise misses the target.
    assertThat(epsilon(accountant, sigma * (1 - 1e-5), q, steps, delta)).isGreaterThan(target);
  }

  @Test
  void achievedLoss_isTheAccountantsOwnRecord() {
    PrivacyLoss achieved = NoiseCalibrator.calibrate(RDP, 4, 1e-5, 0.02, 5000).achieved();
    assertThat(achieved).isInstanceOf(PrivacyLoss.Rdp.class);
    assertThat(achieved.delta()).isEqualTo(1e-5);
  }

  @Test
  void unreachableTarget_throwsSayingWhatToChange() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(RDP, 1e-4, 1e-5, 0.5, 100_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetEpsilon=1.0E-4 cannot be reached")
        .hasMessageContaining("noiseMultiplier=10000")
        .hasMessageContaining("raise targetEpsilon or delta");
  }

  @Test
  void targetEpsilon_zero_throws() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(RDP, 0, 1e-5, 0.01, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetEpsilon must be > 0, got 0.0");
  }

  @Test
  void targetEpsilon_infinite_throws() {
    assertThatThrownBy(
            () -> NoiseCalibrator.calibrate(RDP, Double.POSITIVE_INFINITY, 1e-5, 0.01, 100))
        .hasMessageContaining("targetEpsilon must be a finite number");
  }

  @Test
  void delta_one_throws() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(RDP, 1, 1.0, 0.01, 100))
        .hasMessageContaining("delta must be in (0, 1), got 1.0");
  }

  @Test
  void sampleRate_aboveOne_throws() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(RDP, 1, 1e-5, 1.5, 100))
        .hasMessageContaining("sampleRate must be in (0, 1], got 1.5");
  }

  @Test
  void steps_zero_throws() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(RDP, 1, 1e-5, 0.01, 0))
        .hasMessageContaining("steps must be >= 1, got 0");
  }

  @Test
  void accountant_null_throws() {
    assertThatThrownBy(() -> NoiseCalibrator.calibrate(null, 1, 1e-5, 0.01, 10))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("accountant");
  }

  @Test
  void severalRuns_shareOneSigma_atWhichTheirCompositionMeetsTheTargetTightly() {
    RdpAccountant rdp = new RdpAccountant();
    List<SamplingSchedule> runs =
        List.of(new SamplingSchedule(0.1, 100), new SamplingSchedule(0.2, 50),
            new SamplingSchedule(0.05, 300));
    double sigma = NoiseCalibrator.calibrate(rdp, 8, 1e-5, runs).noiseMultiplier();

    // independent: the accountant on all three runs' segments at σ, and just below it
    double at = rdp.epsilon(segments(runs, sigma), 1e-5).epsilon();
    double below =
        rdp.epsilon(segments(runs, sigma * (1 - 10 * NoiseCalibrator.RELATIVE_TOLERANCE)), 1e-5)
            .epsilon();
    assertThat(at).isLessThanOrEqualTo(8);
    assertThat(below).isGreaterThan(8);
    // together they need more noise than any one of them alone
    for (SamplingSchedule run : runs) {
      assertThat(sigma).isGreaterThan(
          NoiseCalibrator.calibrate(rdp, 8, 1e-5, run.sampleRate(), run.steps()).noiseMultiplier());
    }
  }

  private static List<MechanismSegment> segments(List<SamplingSchedule> runs, double sigma) {
    return runs.stream().map(r -> new MechanismSegment(sigma, r.sampleRate(), r.steps())).toList();
  }
}
