package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RdpAccountantTest {
  private static final double DELTA = 1e-5;
  private final RdpAccountant accountant = new RdpAccountant();

  private static List<MechanismSegment> run(double noiseMultiplier, double sampleRate, long steps) {
    return List.of(new MechanismSegment(noiseMultiplier, sampleRate, steps));
  }

  /**
   * Published check value from Opacus's test suite (pytorch/opacus,
   * opacus/tests/accountants_test.py, {@code test_rdp_accountant}): σ = 1.5, q = 0.04,
   * int(90 / 0.04) = 2250 steps, δ = 1e-5 give ε = 7.32911117143 with the same default orders.
   */
  @Test
  void opacusCheckValue_sigma1p5_q0p04_2250steps() {
    PrivacyLoss.Rdp loss = accountant.epsilon(run(1.5, 0.04, 2250), DELTA);
    assertThat(loss.epsilon()).isCloseTo(7.32911117143, within(1e-6));
    assertThat(loss.delta()).isEqualTo(DELTA);
  }

  @Test
  void defaultOrders_areTenthsUpTo10point9ThenIntegersUpTo63() {
    double[] orders = accountant.orders();
    assertThat(orders).hasSize(99 + 52);
    assertThat(orders[0]).isCloseTo(1.1, within(1e-12));
    assertThat(orders[98]).isCloseTo(10.9, within(1e-12));
    assertThat(orders[99]).isEqualTo(12.0);
    assertThat(orders[orders.length - 1]).isEqualTo(63.0);
  }

  @Test
  void bestOrder_isTheMinimiserOfTheConversionOverTheOrders() {
    List<MechanismSegment> history = run(1.1, 0.02, 3000);
    double[] orders = accountant.orders();
    double[] rdp = accountant.rdp(history);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = Double.NaN;
    for (int i = 0; i < orders.length; i++) {
      double a = orders[i];
      double epsilon = rdp[i] + Math.log((a - 1) / a) - (Math.log(DELTA) + Math.log(a)) / (a - 1);
      if (epsilon < best) {
        best = epsilon;
        bestOrder = a;
      }
    }
    PrivacyLoss.Rdp loss = accountant.epsilon(history, DELTA);
    assertThat(loss.order()).isEqualTo(bestOrder);
    assertThat(loss.epsilon()).isCloseTo(best, within(1e-12));
  }

  @Test
  void customOrders_areTheOnlyOrdersUsed() {
    RdpAccountant single = new RdpAccountant(4.0);
    PrivacyLoss.Rdp loss = single.epsilon(run(1.0, 1.0, 10), DELTA);
    double rdp = 10 * 4.0 / 2; // q = 1: alpha / (2 sigma^2) per step
    assertThat(loss.order()).isEqualTo(4.0);
    assertThat(loss.epsilon())
        .isCloseTo(rdp + Math.log(3.0 / 4) - (Math.log(DELTA) + Math.log(4)) / 3, within(1e-12));
  }

  @Test
  void fullBatch_rdpIsStepsTimesAlphaOverTwoSigmaSquared() {
    double[] rdp = new RdpAccountant(2, 7.5, 40).rdp(run(2.0, 1.0, 13));
    assertThat(rdp).containsExactly(13 * 2 / 8.0, 13 * 7.5 / 8.0, 13 * 40 / 8.0);
  }

  @Test
  void epsilon_decreasesWithNoise_increasesWithSampleRateAndSteps() {
    double base = accountant.epsilon(run(1.0, 0.01, 1000), DELTA).epsilon();
    assertThat(accountant.epsilon(run(1.2, 0.01, 1000), DELTA).epsilon()).isLessThan(base);
    assertThat(accountant.epsilon(run(1.0, 0.02, 1000), DELTA).epsilon()).isGreaterThan(base);
    assertThat(accountant.epsilon(run(1.0, 0.01, 2000), DELTA).epsilon()).isGreaterThan(base);
  }

  @Test
  void composition_twoSegmentsOfTheSameMechanism_equalOneSegment() {
    List<MechanismSegment> split =
        List.of(new MechanismSegment(0.9, 0.03, 700), new MechanismSegment(0.9, 0.03, 1300));
    assertThat(accountant.epsilon(split, DELTA).epsilon())
        .isCloseTo(accountant.epsilon(run(0.9, 0.03, 2000), DELTA).epsilon(), within(1e-9));
  }

  @Test
  void composition_differentNoise_addsTheSingleSegmentRdpCurves() {
    List<MechanismSegment> history =
        List.of(
            new MechanismSegment(0.8, 0.05, 300),
            new MechanismSegment(2.0, 0.05, 500),
            new MechanismSegment(1.3, 0.2, 40));
    double[] total = accountant.rdp(history);
    double[] expected = new double[total.length];
    for (MechanismSegment segment : history) {
      double[] single = accountant.rdp(List.of(segment));
      for (int i = 0; i < expected.length; i++) {
        expected[i] += single[i];
      }
    }
    for (int i = 0; i < total.length; i++) {
      assertThat(total[i]).isCloseTo(expected[i], within(1e-12 * expected[i]));
    }
  }

  @Test
  void epsilon_isNeverNegative() {
    PrivacyLoss.Rdp loss = accountant.epsilon(run(100, 0.001, 1), 0.5);
    assertThat(loss.epsilon()).isZero();
  }

  @Test
  void delta_one_throws() {
    assertThatThrownBy(() -> accountant.epsilon(run(1, 0.1, 1), 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta")
        .hasMessageContaining("(0, 1)")
        .hasMessageContaining("1.0");
  }

  @Test
  void delta_zeroOrNaN_throws() {
    assertThatThrownBy(() -> accountant.epsilon(run(1, 0.1, 1), 0.0))
        .hasMessageContaining("delta");
    assertThatThrownBy(() -> accountant.epsilon(run(1, 0.1, 1), Double.NaN))
        .hasMessageContaining("delta");
  }

  @Test
  void history_empty_throws() {
    assertThatThrownBy(() -> accountant.epsilon(List.of(), DELTA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("history");
  }

  @Test
  void order_atMostOne_throws() {
    assertThatThrownBy(() -> new RdpAccountant(2.0, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order must be > 1, got 1.0");
    assertThatThrownBy(() -> new RdpAccountant(Double.POSITIVE_INFINITY))
        .hasMessageContaining("order");
    assertThatThrownBy(() -> new RdpAccountant(new double[0])).hasMessageContaining("orders");
  }

  @Test
  void segment_sampleRateZero_throws() {
    assertThatThrownBy(() -> run(1.0, 0.0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sampleRate must be in (0, 1], got 0.0");
  }

  @Test
  void segment_noiseMultiplierInfinite_throws() {
    assertThatThrownBy(() -> run(Double.POSITIVE_INFINITY, 0.5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier");
  }
}
