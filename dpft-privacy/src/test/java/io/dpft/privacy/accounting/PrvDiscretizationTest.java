package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrvDiscretizationTest {
  private static final PrvGrid GRID = new PrvGrid(2e-3, 1 << 14);
  private static final double TAIL = 1e-14;

  /**
   * E[Y] = KL(Q‖P), integrated over the output with the reference densities. Rounding alone
   * moves the mean by O(h²); the mean correction must restore it.
   */
  @Test
  void meanShift_restoresTheMeanOfThePrv() {
    for (double[] s : new double[][] {{1.0, 0.05}, {0.8, 0.3}, {2.0, 1.0}}) {
      PrvDiscretization step =
          PrvDiscretization.of(new PrvSubsampledGaussian(s[0], s[1]), GRID, TAIL);
      double roundedMean = 0;
      double[] pmf = step.circularPmf();
      for (int i = 0; i < pmf.length; i++) {
        int m = i < pmf.length / 2 ? i : i - pmf.length;
        roundedMean += m * GRID.meshSize() * pmf[i];
      }

      double kl = new SubsampledGaussianReference(s[0], s[1]).klDivergence();

      assertThat(roundedMean + step.meanShift()).as("σ=%s q=%s", s[0], s[1])
          .isCloseTo(kl, within(1e-11));
      assertThat(Math.abs(step.meanShift())).isLessThan(GRID.meshSize() / 2);
    }
  }

  @Test
  void cellMasses_areTheReferenceProbabilitiesOfTheCells() {
    double sigma = 0.9;
    double q = 0.2;
    SubsampledGaussianReference reference = new SubsampledGaussianReference(sigma, q);
    PrvDiscretization step = PrvDiscretization.of(new PrvSubsampledGaussian(sigma, q), GRID, TAIL);
    double h = GRID.meshSize();
    double sum = 0;
    for (double p : step.circularPmf()) {
      sum += p;
    }
    assertThat(sum).isCloseTo(1.0, within(1e-12));
    assertThat(step.truncatedMass()).isLessThanOrEqualTo(2 * TAIL);
    for (int m : new int[] {-100, -3, 0, 1, 40, 700}) {
      double cell = reference.cdf((m + 0.5) * h) - reference.cdf((m - 0.5) * h);
      double kept = step.circularPmf()[Math.floorMod(m, GRID.size())] * (1 - step.truncatedMass());
      assertThat(kept).as("cell %s", m).isCloseTo(cell, within(1e-12));
    }
  }
}
