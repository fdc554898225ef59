package io.dpft.privacy.audit;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.random.StreamKey;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Which of m canaries the training set holds: each independently with probability 1/2 (the
 * S ∈ {−1, +1}^m of Steinke et al.), drawn from stream {@value #STREAM} of a {@link StreamKey}
 * (secure, or from a seed for reproducible audits).
 */
public final class CanaryInclusion {
  /** The key's stream the coins are drawn from; other users of the key take other streams. */
  public static final long STREAM = 0;

  private final boolean[] included;

  private CanaryInclusion(boolean[] included) {
    this.included = included;
  }

  /** m fair coins from {@code key}. */
  public static CanaryInclusion draw(int canaries, StreamKey key) {
    PrivacyChecks.atLeastOne("canaries", canaries);
    RandomGenerator coins = key.stream(STREAM);
    boolean[] included = new boolean[canaries];
    for (int i = 0; i < canaries; i++) {
      included[i] = coins.nextBoolean();
    }
    return new CanaryInclusion(included);
  }

  /** The inclusion given by {@code included} (copied), e.g. one saved with an audit. */
  public static CanaryInclusion of(boolean... included) {
    PrivacyChecks.atLeastOne("canaries", included.length);
    return new CanaryInclusion(included.clone());
  }

  /** m, the number of canaries. */
  public int canaries() {
    return included.length;
  }

  public boolean isIncluded(int canary) {
    return included[canary];
  }

  /** The included canaries' indices, ascending. */
  public int[] includedIndices() {
    return IntStream.range(0, included.length).filter(i -> included[i]).toArray();
  }

  @Override
  public String toString() {
    return "CanaryInclusion[" + includedIndices().length + " of " + included.length + "]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CanaryInclusion that && Arrays.equals(included, that.included);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(included);
  }
}
