package io.dpft.privacy.audit;

import io.dpft.privacy.PrivacyChecks;

/**
 * How to audit: {@code canaries} (m) inserted each with probability 1/2, {@code guesses} canaries
 * guessed included and as many guessed excluded (r = 2·guesses), and the confidence of the bound.
 */
public record AuditSettings(int canaries, int guesses, double confidence) {
  /** The default confidence of the bound: 95%. */
  public static final double DEFAULT_CONFIDENCE = 0.95;

  public AuditSettings {
    if (canaries < 2) {
      throw new IllegalArgumentException("canaries must be >= 2, got " + canaries);
    }
    if (guesses < 1 || 2 * guesses > canaries) {
      throw new IllegalArgumentException(
          "guesses must be in [1, canaries/2] = [1, " + canaries / 2 + "] (that many canaries are"
              + " guessed included and as many excluded), got " + guesses);
    }
    PrivacyChecks.openUnitInterval("confidence", confidence);
  }

  /**
   * The default number of guesses per side for m canaries: m/20 (at least 1), so that a tenth of
   * the canaries is guessed: few confident guesses, whose precision the bound rewards.
   */
  public static int defaultGuesses(int canaries) {
    return Math.max(1, canaries / 20);
  }
}
