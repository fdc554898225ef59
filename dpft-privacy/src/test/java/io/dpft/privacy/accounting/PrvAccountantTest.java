package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.privacy.calibration.NoiseCalibrator;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrvAccountantTest {
  private static final double DELTA = 1e-5;
  private static final PrvAccountant ACCOUNTANT = new PrvAccountant();
  private static final double EPS_ERROR = ACCOUNTANT.epsError();
  /** Differences from floating-point rounding alone, far below ε_err. */
  private static final double ROUNDING = 1e-6;

  private static PrivacyLoss.Prv epsilon(double sigma, double q, long steps) {
    return ACCOUNTANT.epsilon(List.of(new MechanismSegment(sigma, q, steps)), DELTA);
  }

  /**
   * pytorch/opacus tests/accountants_test.py, test_prv_accountant: σ = 1.5, q = 0.04, 90 epochs
   * (2,250 steps), δ = 1e-5 gives 6.777395712150674. Opacus' PRVAccountant.get_epsilon returns
   * the upper bound of the same algorithm with ε_err = 0.01 and δ_err = δ/1000.
   */
  @Test
  void epsilon_opacusCheckValue_liesWithinOurBounds() {
    double published = 6.777395712150674;
    PrivacyLoss.Prv loss = epsilon(1.5, 0.04, 2250);

    assertThat(loss.epsilon()).isCloseTo(published, within(EPS_ERROR));
    assertThat(loss.epsilonLower()).isLessThanOrEqualTo(published);
    assertThat(loss.epsilonUpper()).isGreaterThanOrEqualTo(published);
    assertThat(loss.delta()).isEqualTo(DELTA);
  }

  /**
   * pytorch/opacus tests/accountants_test.py, test_get_noise_multiplier_prv_epochs / _steps:
   * target ε = 8, δ = 1e-5, q = 0.04 gives σ = 1.34765625 for 90 epochs (2,250 steps) and σ =
   * 1.2915 (to 4 places) for 2,000 steps. Opacus' get_noise_multiplier bisects until its PRV
   * upper bound U is in [8 − 0.01, 8). Both implementations' upper bounds lie in [ε(δ), ε(δ −
   * 2δ_err) + 2ε_err], so at the published σ the true ε is below 8 (our lower bound must be too)
   * and ours can exceed U's range by at most 2ε_err (plus the tiny effect of 2δ_err).
   */
  @Test
  void epsilon_atOpacusCalibratedNoise_isEightWithinTheBisectionTolerance() {
    double bisectionTolerance = 0.01;
    double slack = 2 * EPS_ERROR + 0.001;
    for (PrivacyLoss.Prv loss : List.of(epsilon(1.34765625, 0.04, 2250), epsilon(1.2915, 0.04, 2000))) {
      assertThat(loss.epsilonLower()).isLessThan(8);
      assertThat(loss.epsilonUpper())
          .isBetween(8 - bisectionTolerance - slack, 8 + slack);
    }
  }

  /**
   * The same Opacus check values through {@link NoiseCalibrator}, which bisects on our upper
   * bound (the guarantee) while Opacus bisected on its upper bound U until U was in [8 − 0.01, 8). Both are within
   * about ε_err of the true ε (U within 2ε_err above it), so at the published σ our estimate is
   * within [8 − 0.01 − 3ε_err, 8 + ε_err]; divided by the local slope |dε/dσ| that bounds how far
   * the calibrated σ may be from the published one.
   */
  @Test
  void noiseCalibrator_withPrv_reproducesOpacusCalibratedNoise() {
    double[][] published = {{2250, 1.34765625}, {2000, 1.2915}};
    for (double[] p : published) {
      long steps = (long) p[0];
      double sigma = p[1];
      double slope =
          (epsilon(sigma - 0.01, 0.04, steps).epsilon()
                  - epsilon(sigma + 0.01, 0.04, steps).epsilon())
              / 0.02;
      double tolerance = (0.01 + 3 * EPS_ERROR + 0.001) / slope;

      double calibrated =
          NoiseCalibrator.calibrate(ACCOUNTANT, 8, DELTA, 0.04, steps).noiseMultiplier();

      assertThat(calibrated).as("%d steps", steps).isCloseTo(sigma, within(tolerance));
    }
  }

  /** q = 1: T steps of noise σ are one Gaussian mechanism with σ/√T, whose δ(ε) is exact. */
  @Test
  void epsilon_withoutSubsampling_matchesTheExactGaussianMechanism() {
    double sigma = 5.0;
    long steps = 100;
    double exact =
        GaussianMechanismReference.epsilon(
            GaussianMechanismReference.composedSigma(sigma, steps), DELTA);

    PrivacyLoss.Prv loss = epsilon(sigma, 1.0, steps);

    assertThat(loss.epsilonLower()).isLessThanOrEqualTo(exact);
    assertThat(loss.epsilonUpper()).isGreaterThanOrEqualTo(exact);
    assertThat(loss.epsilon()).isCloseTo(exact, within(EPS_ERROR));
  }

  /** Mixed q = 1 segments: 1/σ'² = Σ T_i/σ_i² (here 50/16 + 200/64, so σ' = 0.4). */
  @Test
  void epsilon_mixedSegmentsWithoutSubsampling_matchTheExactComposedGaussian() {
    List<MechanismSegment> history =
        List.of(new MechanismSegment(4.0, 1.0, 50), new MechanismSegment(8.0, 1.0, 200));
    double exact = GaussianMechanismReference.epsilon(0.4, DELTA);

    PrivacyLoss.Prv loss = ACCOUNTANT.epsilon(history, DELTA);

    assertThat(loss.epsilonLower()).isLessThanOrEqualTo(exact);
    assertThat(loss.epsilonUpper()).isGreaterThanOrEqualTo(exact);
    assertThat(loss.epsilon()).isCloseTo(exact, within(EPS_ERROR));
  }

  @Test
  void delta_withoutSubsampling_boundsTheExactGaussianDelta() {
    double sigma = 2.0;
    long steps = 16;
    double composed = GaussianMechanismReference.composedSigma(sigma, steps);
    for (double eps : new double[] {0.0, 0.5, 1.0, 2.0, 4.0}) {
      double exact = GaussianMechanismReference.delta(composed, eps);
      PrvComposition.DeltaBounds bounds =
          ACCOUNTANT.delta(List.of(new MechanismSegment(sigma, 1.0, steps)), eps, 1e-9);

      assertThat(bounds.deltaLower()).as("ε = %s", eps).isLessThanOrEqualTo(exact);
      assertThat(bounds.deltaUpper()).as("ε = %s", eps).isGreaterThanOrEqualTo(exact);
      assertThat(bounds.deltaLower()).isLessThanOrEqualTo(bounds.delta());
      assertThat(bounds.delta()).isLessThanOrEqualTo(bounds.deltaUpper());
    }
  }

  @Test
  void epsilon_bounds_encloseTheEstimate() {
    for (MechanismSegment s :
        List.of(
            new MechanismSegment(0.8, 0.01, 1000),
            new MechanismSegment(1.0, 0.1, 100),
            new MechanismSegment(3.0, 0.5, 10),
            new MechanismSegment(10.0, 0.001, 1))) {
      PrivacyLoss.Prv loss = ACCOUNTANT.epsilon(List.of(s), DELTA);
      assertThat(loss.epsilonLower()).as("%s", s).isLessThanOrEqualTo(loss.epsilon());
      assertThat(loss.epsilon()).as("%s", s).isLessThanOrEqualTo(loss.epsilonUpper());
      assertThat(loss.epsilonUpper() - loss.epsilonLower())
          .as("%s", s)
          .isLessThan(2 * EPS_ERROR + 0.01);
    }
  }

  @Test
  void epsilon_decreasesWithNoise_increasesWithSampleRateAndSteps() {
    double base = epsilon(1.0, 0.02, 500).epsilon();
    assertThat(epsilon(1.2, 0.02, 500).epsilon()).isLessThan(base);
    assertThat(epsilon(1.0, 0.03, 500).epsilon()).isGreaterThan(base);
    assertThat(epsilon(1.0, 0.02, 800).epsilon()).isGreaterThan(base);
  }

  @Test
  void epsilon_historySplitIntoEqualSegments_equalsTheMergedHistory() {
    PrivacyLoss.Prv merged = epsilon(1.1, 0.02, 600);
    PrivacyLoss.Prv split =
        ACCOUNTANT.epsilon(
            List.of(new MechanismSegment(1.1, 0.02, 250), new MechanismSegment(1.1, 0.02, 350)),
            DELTA);

    // Same mesh and domain; only the FFT powers' rounding differs (P^250·P^350 vs P^600).
    assertThat(split.epsilon()).isCloseTo(merged.epsilon(), within(ROUNDING));
    assertThat(split.epsilonLower()).isCloseTo(merged.epsilonLower(), within(ROUNDING));
    assertThat(split.epsilonUpper()).isCloseTo(merged.epsilonUpper(), within(ROUNDING));
  }

  @Test
  void epsilon_mixedSegments_lieBetweenTheirPureHistories_inAnyOrder() {
    MechanismSegment quiet = new MechanismSegment(2.0, 0.02, 400);
    MechanismSegment loud = new MechanismSegment(1.0, 0.02, 400);
    double allQuiet = epsilon(2.0, 0.02, 800).epsilon();
    double allLoud = epsilon(1.0, 0.02, 800).epsilon();

    double quietFirst = ACCOUNTANT.epsilon(List.of(quiet, loud), DELTA).epsilon();
    double loudFirst = ACCOUNTANT.epsilon(List.of(loud, quiet), DELTA).epsilon();

    assertThat(quietFirst).isBetween(allQuiet, allLoud);
    assertThat(loudFirst).isCloseTo(quietFirst, within(ROUNDING));
  }

  @Test
  void epsilon_smallerEpsError_tightensTheBounds() {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.05, 200));
    PrivacyLoss.Prv coarse = new PrvAccountant(0.05, 1e-3).epsilon(history, DELTA);
    PrivacyLoss.Prv fine = new PrvAccountant(0.005, 1e-3).epsilon(history, DELTA);

    assertThat(fine.epsilonUpper() - fine.epsilonLower())
        .isLessThan(coarse.epsilonUpper() - coarse.epsilonLower());
    assertThat(fine.epsilon()).isBetween(coarse.epsilonLower(), coarse.epsilonUpper());
  }

  @Test
  void epsilon_ledgerOfPrvAccountant_claimsTheUpperBound() {
    PrivacyLedger ledger = new PrivacyLedger();
    ledger.record(1.3, 0.01, 300);
    assertThat(ledger.epsilon(ACCOUNTANT, DELTA)).isEqualTo(epsilon(1.3, 0.01, 300).epsilonUpper());
    assertThat(ACCOUNTANT.name()).isEqualTo("prv");
    assertThat(AccountantKind.PRV.create()).isInstanceOf(PrvAccountant.class);
  }

  @Test
  void epsilon_deltaOutsideOpenUnitInterval_throws() {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 10));
    for (double delta : new double[] {0.0, -1e-5, 1.0, 2.0}) {
      assertThatThrownBy(() -> ACCOUNTANT.epsilon(history, delta))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("delta")
          .hasMessageContaining("(0, 1)");
    }
    assertThatThrownBy(() -> ACCOUNTANT.epsilon(history, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("delta")
        .hasMessageContaining("NaN");
  }

  @Test
  void constructor_nonPositiveEpsError_throws() {
    for (double epsError : new double[] {0.0, -0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> new PrvAccountant(epsError, 1e-3))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("epsError");
    }
  }

  @Test
  void constructor_relativeDeltaErrorOutsideOpenUnitInterval_throws() {
    for (double relative : new double[] {0.0, 1.0, -0.5}) {
      assertThatThrownBy(() -> new PrvAccountant(0.01, relative))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("relativeDeltaError")
          .hasMessageContaining("(0, 1)");
    }
  }

  @Test
  void epsilon_emptyHistory_throws() {
    assertThatThrownBy(() -> ACCOUNTANT.epsilon(List.of(), DELTA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("history");
  }

  @Test
  void delta_negativeEpsilonOrBadDeltaError_throws() {
    List<MechanismSegment> history = List.of(new MechanismSegment(1.0, 0.01, 10));
    assertThatThrownBy(() -> ACCOUNTANT.delta(history, -1, 1e-9))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(() -> ACCOUNTANT.delta(history, 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deltaError");
  }

  @Test
  void epsilon_historyNeedingTooFineAMesh_throwsNamingEpsError() {
    List<MechanismSegment> history = List.of(new MechanismSegment(0.5, 0.5, 1_000_000));
    assertThatThrownBy(() -> new PrvAccountant(1e-4, 1e-3).epsilon(history, DELTA))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsError");
  }
}
