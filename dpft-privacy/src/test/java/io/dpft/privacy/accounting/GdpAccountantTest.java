package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GdpAccountantTest {
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(0, 1);
  private final GdpAccountant accountant = new GdpAccountant();

  private static List<MechanismSegment> run(double noiseMultiplier, double sampleRate, long steps) {
    return List.of(new MechanismSegment(noiseMultiplier, sampleRate, steps));
  }

  /**
   * Published check value from Opacus's test suite (pytorch/opacus,
   * opacus/tests/accountants_test.py, {@code test_gdp_accountant}): σ = 1.5, q = 0.04, δ = 1e-5
   * and int(90 // 0.04) steps — Python's floor division gives 2249, not 2250 — with 6.59 &lt; ε
   * &lt; 6.60.
   */
  @Test
  void opacusCheckValue_sigma1p5_q0p04_2249steps() {
    assertThat(accountant.epsilon(run(1.5, 0.04, 2249), 1e-5).epsilon()).isBetween(6.59, 6.60);
  }

  @Test
  void mu_isTheCentralLimitFormula_andSquaresAddOverSegments() {
    double single = 0.04 * Math.sqrt(2250 * (Math.exp(1 / 2.25) - 1));
    assertThat(accountant.mu(run(1.5, 0.04, 2250))).isCloseTo(single, within(1e-12));
    List<MechanismSegment> two =
        List.of(new MechanismSegment(1.5, 0.04, 2250), new MechanismSegment(0.8, 0.01, 100));
    double second = 0.01 * 0.01 * 100 * (Math.exp(1 / 0.64) - 1);
    assertThat(accountant.mu(two)).isCloseTo(Math.sqrt(single * single + second), within(1e-12));
  }

  /** ε for δ, then δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2) by commons-math gives δ back. */
  @ParameterizedTest(name = "sigma={0}, q={1}, steps={2}, delta={3}")
  @CsvSource({
    "1.5, 0.04, 2250, 1e-5",
    "0.8, 0.01, 10000, 1e-6",
    "3.0, 0.1, 500, 1e-3",
    "1.0, 0.001, 100, 1e-8",
  })
  void closedForm_roundTrips(double sigma, double q, long steps, double delta) {
    PrivacyLoss.Gdp loss = accountant.epsilon(run(sigma, q, steps), delta);
    double eps = loss.epsilon();
    double mu = loss.mu();
    double deltaBack =
        STANDARD_NORMAL.cumulativeProbability(-eps / mu + mu / 2)
            - Math.exp(eps) * STANDARD_NORMAL.cumulativeProbability(-eps / mu - mu / 2);
    assertThat(eps).isPositive();
    assertThat(deltaBack).isCloseTo(delta, within(1e-6 * delta));
  }

  @Test
  void epsilon_isZero_whenDeltaCoversTheWholeTradeOff() {
    // δ(0) = 2Φ(μ/2) − 1; any δ at or above it needs no ε at all.
    PrivacyLoss.Gdp loss = accountant.epsilon(run(50, 0.01, 10), 0.5);
    assertThat(2 * STANDARD_NORMAL.cumulativeProbability(loss.mu() / 2) - 1).isLessThan(0.5);
    assertThat(loss.epsilon()).isZero();
  }

  @Test
  void epsilon_decreasesWithNoise_increasesWithSampleRateAndSteps() {
    double base = accountant.epsilon(run(1.0, 0.01, 1000), 1e-5).epsilon();
    assertThat(accountant.epsilon(run(1.2, 0.01, 1000), 1e-5).epsilon()).isLessThan(base);
    assertThat(accountant.epsilon(run(1.0, 0.02, 1000), 1e-5).epsilon()).isGreaterThan(base);
    assertThat(accountant.epsilon(run(1.0, 0.01, 2000), 1e-5).epsilon()).isGreaterThan(base);
  }

  @Test
  void tinyNoise_givesInfiniteEpsilon() {
    PrivacyLoss.Gdp loss = accountant.epsilon(run(0.01, 0.5, 10), 1e-5);
    assertThat(loss.mu()).isInfinite();
    assertThat(loss.epsilon()).isInfinite();
  }

  @Test
  void delta_one_throws() {
    assertThatThrownBy(() -> accountant.epsilon(run(1, 0.1, 1), 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta must be in (0, 1), got 1.0");
  }

  @Test
  void history_empty_throws() {
    assertThatThrownBy(() -> accountant.mu(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("history");
  }
}
