package io.dpft.cli;

import io.dpft.data.datasets.TextDataset;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * What {@code train} and {@code eval} need of a text data file once it is read: rows, a label on
 * each and, in the file the labels are inferred from, two labels at least. Checked here, with the
 * flag that named the file, so that an unusable file stops the command before anything slow runs,
 * instead of failing later without its name (a classifier of 0 labels, a gold label of -1).
 */
final class TextDataChecks {
  private TextDataChecks() {}

  /**
   * @param labelColumn the column the labels were read from, for the message when it is absent
   * @param labelsFromFile whether {@code data}'s labels were inferred from it (the training file)
   * @throws IllegalArgumentException naming {@code flag} and {@code file} when {@code data} falls
   *     short
   */
  static void check(
      String flag, Path file, TextDataset data, String labelColumn, boolean labelsFromFile) {
    String named = flag + " " + file;
    long skipped = data.skipped().skipped();
    if (data.size() == 0) {
      throw new IllegalArgumentException(
          named + " has no data rows"
              + (skipped > 0 ? " left: all " + skipped + " were malformed and skipped" : ""));
    }
    if (!data.isLabelled()) {
      throw new IllegalArgumentException(
          named + " has no label column '" + labelColumn + "'; train and eval need a label on"
              + " every row (GLUE's test.tsv files have none: use train.tsv or dev.tsv)");
    }
    long[] counts = data.labelCounts();
    int[] present = IntStream.range(0, counts.length).filter(k -> counts[k] > 0).toArray();
    if (labelsFromFile && present.length < 2) {
      throw new IllegalArgumentException(
          named + " has only one label, '" + data.labels().name(present[0])
              + "'; a classifier needs at least 2 labels");
    }
  }
}
