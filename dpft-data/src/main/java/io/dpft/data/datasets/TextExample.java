package io.dpft.data.datasets;

import java.util.Objects;

/**
 * One text classification example: a sentence, or a sentence pair for NLI-style tasks (premise /
 * hypothesis, question / sentence), and the index of its label in the dataset's {@link
 * LabelVocabulary}, or {@link #UNLABELED} for unlabelled data such as GLUE test files.
 */
public record TextExample(String text, String textPair, int label) {
  /** Label of an example whose file has no label column. */
  public static final int UNLABELED = -1;

  public TextExample {
    Objects.requireNonNull(text, "text");
    if (label < UNLABELED) {
      throw new IllegalArgumentException(
          "label must be a vocabulary index >= 0 or UNLABELED (-1), got " + label);
    }
  }

  /** A single-sentence example. */
  public static TextExample single(String text, int label) {
    return new TextExample(text, null, label);
  }

  public boolean isPair() {
    return textPair != null;
  }
}
