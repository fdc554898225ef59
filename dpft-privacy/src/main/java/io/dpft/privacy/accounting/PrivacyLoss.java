package io.dpft.privacy.accounting;

/** An (ε, δ) guarantee as an accountant reports it, with the accountant's own extra figures. */
public sealed interface PrivacyLoss permits PrivacyLoss.Rdp, PrivacyLoss.Prv, PrivacyLoss.Gdp {
  double epsilon();

  double delta();

  /** RDP: ε from the best Rényi order. */
  record Rdp(double epsilon, double delta, double order) implements PrivacyLoss {}

  /** PRV: the estimate with rigorous lower and upper bounds, {@code lower ≤ epsilon ≤ upper}. */
  record Prv(double epsilon, double delta, double epsilonLower, double epsilonUpper)
      implements PrivacyLoss {}

  /** GDP (central-limit approximation): ε of μ-GDP. */
  record Gdp(double epsilon, double delta, double mu) implements PrivacyLoss {}
}
