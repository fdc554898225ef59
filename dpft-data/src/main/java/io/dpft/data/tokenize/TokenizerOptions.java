package io.dpft.data.tokenize;

import java.util.Objects;

/**
 * Tokenizer settings.
 *
 * @param maxLength encodings are truncated to this many tokens, special tokens included; pairs
 *     are truncated longest-first (the longer text loses a token until they fit)
 * @param padding how batches are padded
 * @param addSpecialTokens add the model's special tokens ({@code [CLS] … [SEP]} for BERT)
 */
public record TokenizerOptions(int maxLength, Padding padding, boolean addSpecialTokens) {
  public TokenizerOptions {
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
    }
    Objects.requireNonNull(padding, "padding");
  }

  /** Truncate to {@code maxLength}, no padding, special tokens added. */
  public static TokenizerOptions truncating(int maxLength) {
    return new TokenizerOptions(maxLength, Padding.NONE, true);
  }

  public TokenizerOptions withPadding(Padding newPadding) {
    return new TokenizerOptions(maxLength, newPadding, addSpecialTokens);
  }
}
