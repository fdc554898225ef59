package io.dpft.data.datasets.text;

import java.util.Objects;

/**
 * Which columns of a file hold the text, the optional second text of a pair (NLI hypothesis,
 * QNLI sentence) and the optional label.
 *
 * @param text column of the (first) text, required
 * @param textPair column of the second text, or null for single-sentence tasks
 * @param label column of the label, or null for unlabelled data
 */
public record TextColumns(String text, String textPair, String label) {
  public TextColumns {
    Objects.requireNonNull(text, "text column");
  }

  public static TextColumns single(String text, String label) {
    return new TextColumns(text, null, label);
  }

  public static TextColumns pair(String text, String textPair, String label) {
    return new TextColumns(text, textPair, label);
  }
}
