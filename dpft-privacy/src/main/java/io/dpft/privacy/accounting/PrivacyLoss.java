package io.dpft.privacy.accounting;

/** An (ε, δ) guarantee as an accountant reports it, with the accountant's own extra figures. */
public sealed interface PrivacyLoss permits PrivacyLoss.Rdp, PrivacyLoss.Prv, PrivacyLoss.Gdp {
  double epsilon();

  double delta();

  /**
   * The ε a run may claim: for PRV the rigorous upper bound (the estimate can be below the true
   * ε), for RDP its ε (already an upper bound), for GDP its ε (an approximation, as documented).
   * Calibration and budgets use this value.
   */
  default double epsilonGuarantee() {
    return epsilon();
  }

  /** RDP: ε from the best Rényi order. */
  record Rdp(double epsilon, double delta, double order) implements PrivacyLoss {}

  /** PRV: the estimate with rigorous lower and upper bounds, {@code lower ≤ epsilon ≤ upper}. */
  record Prv(double epsilon, double delta, double epsilonLower, double epsilonUpper)
      implements PrivacyLoss {
    @Override
    public double epsilonGuarantee() {
      return epsilonUpper;
    }
  }

  /** GDP (central-limit approximation): ε of μ-GDP. */
  record Gdp(double epsilon, double delta, double mu) implements PrivacyLoss {}
}
