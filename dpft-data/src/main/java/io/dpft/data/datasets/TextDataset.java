package io.dpft.data.datasets;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;

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

  /**
   * {@code n} of these examples drawn without replacement by a {@link Random} seeded with
   * {@code seed}, in their original order (all of them when {@code n} is at least the size).
   */
  public TextDataset sample(int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("sample size must be >= 1, got " + n);
    }
    if (n >= examples.size()) {
      return this;
    }
    List<Integer> order = new ArrayList<>(IntStream.range(0, examples.size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    List<TextExample> drawn =
        order.subList(0, n).stream().sorted().map(examples::get).toList();
    return new TextDataset(
        source + " (" + n + " of " + examples.size() + ", seed " + seed + ")", drawn, labels,
        skipped);
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
