package io.dpft.privacy.audit;

import io.dpft.privacy.PrivacyChecks;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The outcome of a one-run audit: the ε the run's accounting claims at δ (empty for a run
 * without DP), the guesses, and the lower bound ε̂ they give at {@code confidence}.
 */
public record AuditResult(
    OptionalDouble claimedEpsilon,
    double delta,
    double confidence,
    CanaryGuesses guesses,
    double epsilonLowerBound) {
  public AuditResult {
    Objects.requireNonNull(claimedEpsilon, "claimedEpsilon");
    Objects.requireNonNull(guesses, "guesses");
    PrivacyChecks.openUnitInterval("confidence", confidence);
    PrivacyChecks.nonNegative("epsilonLowerBound", epsilonLowerBound);
  }

  /**
   * Audits a trained run: guesses from the canaries' losses, then ε̂ at the run's δ.
   *
   * @param canaryLosses every canary's loss on its canary label under the trained model
   */
  public static AuditResult of(
      double[] canaryLosses,
      CanaryInclusion inclusion,
      AuditSettings settings,
      OptionalDouble claimedEpsilon,
      double delta) {
    if (inclusion.canaries() != settings.canaries()) {
      throw new IllegalArgumentException(
          "the inclusion has " + inclusion.canaries() + " canaries, the settings "
              + settings.canaries());
    }
    CanaryGuesses guesses =
        CanaryGuesses.fromLosses(canaryLosses, inclusion, settings.guesses());
    return new AuditResult(
        claimedEpsilon,
        delta,
        settings.confidence(),
        guesses,
        EpsilonLowerBound.of(guesses, delta, settings.confidence()));
  }

  /** Whether ε̂ exceeds the claimed ε: the run leaks more than its accounting allows. */
  public boolean refutesClaim() {
    return claimedEpsilon.isPresent() && epsilonLowerBound > claimedEpsilon.getAsDouble();
  }
}
