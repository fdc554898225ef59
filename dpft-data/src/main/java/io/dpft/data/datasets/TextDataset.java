package io.dpft.data.datasets;

import java.util.List;
import java.util.Objects;

/**
 * Text classification examples with their label vocabulary, and what reading them skipped.
 *
 * @param source where the examples came from (file names), for messages and reports
 */
public record TextDataset(
    String source, List<TextExample> examples, LabelVocabulary labels, SkipReport skipped) {
  public TextDataset {
    Objects.requireNonNull(source, "source");
    examples = List.copyOf(examples);
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(skipped, "skipped");
    for (TextExample example : examples) {
      if (example.label() >= labels.size()) {
        throw new IllegalArgumentException(
            source + ": label index " + example.label() + " is outside the vocabulary " + labels.names());
      }
    }
  }

  public int size() {
    return examples.size();
  }

  public TextExample get(int index) {
    return examples.get(index);
  }

  /**
   * Whether every example has a label, as training and evaluation need (GLUE test files have none).
   */
  public boolean isLabelled() {
    return examples.stream().noneMatch(e -> e.label() == TextExample.UNLABELED);
  }

  /** counts[k] = number of examples with label k (unlabelled examples are not counted). */
  public long[] labelCounts() {
    long[] counts = new long[labels.size()];
    for (TextExample example : examples) {
      if (example.label() != TextExample.UNLABELED) {
        counts[example.label()]++;
      }
    }
    return counts;
  }
}
