package io.dpft.data.datasets.text;

import io.dpft.data.datasets.LabelVocabulary;
import java.util.Objects;

/**
 * How to read a text classification file.
 *
 * @param columns where text, pair and label are
 * @param labels the label vocabulary to map labels with (a label outside it is a malformed row),
 *     or null to infer it from the file ({@link LabelVocabulary#inferred}: sorted, documented)
 * @param skipBadRows skip and count malformed rows instead of failing on the first
 */
public record TextReadOptions(TextColumns columns, LabelVocabulary labels, boolean skipBadRows) {
  public TextReadOptions {
    Objects.requireNonNull(columns, "columns");
    if (labels != null && columns.label() == null) {
      throw new IllegalArgumentException(
          "a label vocabulary " + labels.names() + " was given but no label column");
    }
  }

  /** Infer the label vocabulary, fail on the first malformed row. */
  public static TextReadOptions of(TextColumns columns) {
    return new TextReadOptions(columns, null, false);
  }

  public TextReadOptions withLabels(LabelVocabulary given) {
    return new TextReadOptions(columns, given, skipBadRows);
  }

  public TextReadOptions skippingBadRows() {
    return new TextReadOptions(columns, labels, true);
  }
}
