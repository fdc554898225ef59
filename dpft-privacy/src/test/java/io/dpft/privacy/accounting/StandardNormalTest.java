package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

class StandardNormalTest {

  @Test
  void moderateArguments_matchCommonsMathNormalCdf() {
    NormalDistribution normal = new NormalDistribution(0, 1);
    for (double x = -8; x <= 8; x += 0.25) {
      assertThat(StandardNormal.logCdf(x))
          .as("x=%s", x)
          .isCloseTo(Math.log(normal.cumulativeProbability(x)), within(1e-12));
    }
  }

  /** Below −20 the asymptotic series is used; erfc still resolves Φ there, independently. */
  @Test
  void asymptoticBranch_matchesErfcWhereBothApply() {
    for (double x = -20.5; x >= -37; x -= 1.5) {
      double viaErfc = Math.log(0.5 * Erf.erfc(-x / Math.sqrt(2)));
      assertThat(StandardNormal.logCdf(x))
          .as("x=%s", x)
          .isCloseTo(viaErfc, within(1e-12 * Math.abs(viaErfc)));
    }
  }

  @Test
  void farTail_isFiniteWherePhiUnderflows() {
    // log Φ(x) ≈ −x²/2 − log(−x) − log(2π)/2 to leading order.
    double x = -1000;
    double leading = -x * x / 2 - Math.log(-x) - 0.5 * Math.log(2 * Math.PI);
    assertThat(StandardNormal.logCdf(x)).isCloseTo(leading, within(1e-5));
    assertThat(StandardNormal.logCdf(Double.NEGATIVE_INFINITY)).isEqualTo(Double.NEGATIVE_INFINITY);
  }
}
