package io.dpft.data.batching;

import java.util.Objects;

/**
 * A causal LM training example: the model reads {@code promptIds} then {@code targetIds} and is
 * trained to predict the target tokens only (for E2E: the linearised table, then a reference
 * followed by the end-of-text token).
 */
public record CausalLmExample(long[] promptIds, long[] targetIds) {
  public CausalLmExample {
    Objects.requireNonNull(promptIds, "promptIds");
    Objects.requireNonNull(targetIds, "targetIds");
    if (targetIds.length == 0) {
      throw new IllegalArgumentException("targetIds must hold at least one token");
    }
  }

  public int length() {
    return promptIds.length + targetIds.length;
  }
}
