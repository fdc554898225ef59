package io.dpft.data.tokenize;

/** How encodings are padded (always at the end, with the tokenizer's pad id and mask 0). */
public enum Padding {
  /** No padding: each encoding has its own length (what the length-bucketing collator wants). */
  NONE,
  /** A batch is padded to its longest encoding. */
  LONGEST,
  /** Every encoding is padded to {@link TokenizerOptions#maxLength()}. */
  MAX_LENGTH
}
