package io.dpft.core.tasks;

import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.privacy.audit.CanaryInclusion;
import io.dpft.privacy.random.StreamKey;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * "Random label" canaries for text classification (Steinke, Nasr and Jagielski 2023): m training
 * examples drawn at random, each given a label other than its own, drawn uniformly. A model gives
 * such a label a low loss mainly if it trained on the example, which is what the audit scores.
 * The drawn examples leave the ordinary training set; {@link #trainingSet} puts back the included
 * ones with their canary labels.
 */
public final class TextCanaries {
  /** The key's streams: which examples become canaries, and their labels. */
  private static final long PICK_STREAM = 1;
  private static final long LABEL_STREAM = 2;

  private final TextDataset train;
  private final List<TextExample> others;
  private final List<TextExample> canaries;

  private TextCanaries(TextDataset train, List<TextExample> others, List<TextExample> canaries) {
    this.train = train;
    this.others = others;
    this.canaries = canaries;
  }

  /**
   * Draws {@code m} canaries from {@code train} with {@code key} (streams other than {@link
   * CanaryInclusion#STREAM}).
   *
   * @throws IllegalArgumentException if m is not below the number of training examples, or the
   *     data has fewer than two labels
   */
  public static TextCanaries draw(TextDataset train, int m, StreamKey key) {
    int n = train.size();
    if (m < 1 || m >= n) {
      throw new IllegalArgumentException(
          "canaries must be in [1, N) for the N = " + n + " training examples of " + train.source()
              + " (the canaries are drawn from them), got " + m);
    }
    int labels = train.labels().size();
    if (labels < 2) {
      throw new IllegalArgumentException(
          "random-label canaries need at least two labels, " + train.source() + " has " + labels);
    }
    int[] order = IntStream.range(0, n).toArray();
    RandomGenerator pick = key.stream(PICK_STREAM);
    for (int i = 0; i < m; i++) { // the first m of a Fisher–Yates shuffle
      int j = i + pick.nextInt(n - i);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    RandomGenerator relabel = key.stream(LABEL_STREAM);
    List<TextExample> canaries = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      TextExample example = train.get(order[i]);
      int label = (example.label() + 1 + relabel.nextInt(labels - 1)) % labels;
      canaries.add(new TextExample(example.text(), example.textPair(), label));
    }
    List<TextExample> others = new ArrayList<>(n - m);
    for (int i = m; i < n; i++) {
      others.add(train.get(order[i]));
    }
    return new TextCanaries(train, others, canaries);
  }

  /** m. */
  public int size() {
    return canaries.size();
  }

  /** The training examples that are not canaries, then the included canaries. */
  public TextDataset trainingSet(CanaryInclusion inclusion) {
    if (inclusion.canaries() != canaries.size()) {
      throw new IllegalArgumentException(
          "the inclusion has " + inclusion.canaries() + " canaries, not " + canaries.size());
    }
    List<TextExample> examples = new ArrayList<>(others);
    for (int i : inclusion.includedIndices()) {
      examples.add(canaries.get(i));
    }
    return new TextDataset(
        train.source() + " with canaries", examples, train.labels(), train.skipped());
  }

  /** Every canary with its canary label, in canary order. */
  public TextDataset canarySet() {
    return new TextDataset("canaries of " + train.source(), canaries, train.labels(), train.skipped());
  }
}
