package io.dpft.privacy.accounting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three accountants on the same histories. RDP is a rigorous but loose upper bound, so the
 * PRV bounds must lie below it; GDP is the central-limit approximation of the same privacy
 * curve, so it must agree with PRV where the CLT applies (many steps, small q) and — as Gopi, Lee
 * &amp; Wutschitz 2021 point out — it underestimates ε when few examples' participations are
 * composed.
 */
class AccountantAgreementTest {
  private static final double DELTA = 1e-5;
  private static final PrvAccountant PRV = new PrvAccountant();
  private static final RdpAccountant RDP = new RdpAccountant();
  private static final GdpAccountant GDP = new GdpAccountant();

  private static List<MechanismSegment> history(double sigma, double q, long steps) {
    return List.of(new MechanismSegment(sigma, q, steps));
  }

  @ParameterizedTest(name = "σ={0}, q={1}, steps={2}")
  @CsvSource({"1.5, 0.04, 2250", "1.0, 0.01, 1000", "0.8, 0.005, 10000", "3.0, 0.1, 500",
    "5.0, 1.0, 100"})
  void prv_liesBelowRdp(double sigma, double q, long steps) {
    PrivacyLoss.Prv prv = PRV.epsilon(history(sigma, q, steps), DELTA);
    double rdp = RDP.epsilon(history(sigma, q, steps), DELTA).epsilon();

    assertThat(prv.epsilonLower()).isLessThanOrEqualTo(rdp); // both sides rigorous
    assertThat(prv.epsilon()).isLessThanOrEqualTo(rdp);
  }

  @ParameterizedTest(name = "σ={0}, q={1}, steps={2}")
  @CsvSource({"1.0, 0.01, 10000", "1.2, 0.01, 5000", "0.8, 0.005, 10000", "1.0, 0.001, 10000",
    "2.0, 0.001, 100000"})
  void gdp_agreesWithPrvWithinTenPercent_forLongRunsAtSmallSampleRates(
      double sigma, double q, long steps) {
    double prv = PRV.epsilon(history(sigma, q, steps), DELTA).epsilon();
    double gdp = GDP.epsilon(history(sigma, q, steps), DELTA).epsilon();

    assertThat(Math.abs(gdp / prv - 1)).isLessThan(0.10);
  }

  /** σ = 1, q = 0.01, 1,000 steps: about 10 participations, too few for the CLT. */
  @ParameterizedTest(name = "σ={0}, q={1}, steps={2}")
  @CsvSource({"1.0, 0.01, 1000", "1.0, 0.005, 1000"})
  void gdp_underestimates_whenFewParticipationsCompose(double sigma, double q, long steps) {
    PrivacyLoss.Prv prv = PRV.epsilon(history(sigma, q, steps), DELTA);
    double gdp = GDP.epsilon(history(sigma, q, steps), DELTA).epsilon();

    assertThat(gdp).isLessThan(prv.epsilonLower());
  }
}
