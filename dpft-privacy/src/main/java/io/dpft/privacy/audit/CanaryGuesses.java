package io.dpft.privacy.audit;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * What an auditor's guesses scored: of m canaries it guessed r (abstaining on the rest) and v of
 * those were right (m, r and v of Steinke et al.).
 */
public record CanaryGuesses(int canaries, int guesses, int correct) {
  public CanaryGuesses {
    if (canaries < 1 || guesses < 0 || correct < 0 || correct > guesses || guesses > canaries) {
      throw new IllegalArgumentException(
          "need 0 <= correct <= guesses <= canaries and canaries >= 1, got correct = " + correct
              + ", guesses = " + guesses + ", canaries = " + canaries);
    }
  }

  /**
   * The paper's black-box guesser on losses: the {@code perSide} canaries with the lowest loss
   * are guessed included, the {@code perSide} with the highest excluded; equal losses are ordered
   * by index, which does not depend on the inclusion.
   *
   * @param losses each canary's loss under the trained model (on its canary label)
   * @throws IllegalArgumentException if a loss is NaN, the lengths differ or 2·perSide &gt; m
   */
  public static CanaryGuesses fromLosses(double[] losses, CanaryInclusion inclusion, int perSide) {
    int m = inclusion.canaries();
    if (losses.length != m) {
      throw new IllegalArgumentException(
          "need one loss per canary: " + losses.length + " losses for " + m + " canaries");
    }
    if (perSide < 1 || 2 * perSide > m) {
      throw new IllegalArgumentException(
          "guesses must be in [1, canaries/2] per side, got " + perSide + " for " + m + " canaries");
    }
    for (int i = 0; i < m; i++) {
      if (Double.isNaN(losses[i])) {
        throw new IllegalArgumentException("the loss of canary " + i + " is NaN");
      }
    }
    int[] byLoss =
        IntStream.range(0, m)
            .boxed()
            .sorted(Comparator.<Integer>comparingDouble(i -> losses[i]).thenComparing(i -> i))
            .mapToInt(i -> i)
            .toArray();
    int correct = 0;
    for (int k = 0; k < perSide; k++) {
      correct += inclusion.isIncluded(byLoss[k]) ? 1 : 0;
      correct += inclusion.isIncluded(byLoss[m - 1 - k]) ? 0 : 1;
    }
    return new CanaryGuesses(m, 2 * perSide, correct);
  }
}
