package io.dpft.data.tokenize;

import java.util.Objects;

/**
 * One encoded text (or text pair): token ids, attention mask (1 = real token, 0 = padding) and
 * token type ids (0 for the first text, 1 for the second of a pair), all of one length with any
 * padding at the end.
 */
public record TokenEncoding(long[] ids, long[] attentionMask, long[] typeIds) {
  public TokenEncoding {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(attentionMask, "attentionMask");
    Objects.requireNonNull(typeIds, "typeIds");
    if (attentionMask.length != ids.length || typeIds.length != ids.length) {
      throw new IllegalArgumentException(
          "ids, attentionMask and typeIds must have one length, got "
              + ids.length
              + ", "
              + attentionMask.length
              + ", "
              + typeIds.length);
    }
  }

  /** Number of real (unpadded) tokens. */
  public int length() {
    int n = 0;
    for (long m : attentionMask) {
      n += (int) m;
    }
    return n;
  }

  /** Padded length (= number of positions). */
  public int paddedLength() {
    return ids.length;
  }

  /** This encoding padded at the end to {@code length} positions with {@code padId}. */
  public TokenEncoding padTo(int length, long padId) {
    if (length < ids.length) {
      throw new IllegalArgumentException(
          "cannot pad an encoding of " + ids.length + " tokens to " + length);
    }
    long[] padded = java.util.Arrays.copyOf(ids, length);
    java.util.Arrays.fill(padded, ids.length, length, padId);
    return new TokenEncoding(
        padded,
        java.util.Arrays.copyOf(attentionMask, length),
        java.util.Arrays.copyOf(typeIds, length));
  }
}
