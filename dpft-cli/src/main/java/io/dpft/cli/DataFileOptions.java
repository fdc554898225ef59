package io.dpft.cli;

import io.dpft.data.datasets.builtin.DatasetSplits;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code dpft train}'s data: a bundled dataset by name, or the user's files. With {@code --data}
 * alone the examples are split by the fixed hash split of the task (about 80/10/10); with
 * {@code --test-data} alone, {@code --data} is split 90/10 into training and validation; with
 * {@code --validation-data} all of {@code --data} is trained on and the test scores are those of
 * {@code --test-data}, or of the validation file when no test file is given.
 */
final class DataFileOptions {
  static final String DATA = "--data";
  static final String VALIDATION_DATA = "--validation-data";
  static final String TEST_DATA = "--test-data";

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      description = "a bundled dataset (text-classification: sentiment (default) or spam;"
          + " image-classification: fashion-mnist (default))")
  String dataset;

  @Option(names = DATA, paramLabel = "PATH", description = "training examples from a file")
  Path train;

  @Option(
      names = VALIDATION_DATA,
      paramLabel = "PATH",
      description = "validation examples (default: a fixed 10%% hash split of --data)")
  Path validation;

  @Option(
      names = TEST_DATA,
      paramLabel = "PATH",
      description = "test examples (default: the validation examples, or a fixed 10%% hash"
          + " split of --data without --validation-data)")
  Path test;

  /** Whether the user gave files rather than a bundled dataset. */
  boolean fromFiles() {
    return train != null;
  }

  /** The task's fixed split of one file, see {@link #splits}. */
  @FunctionalInterface
  interface HashSplitter<D> {
    /**
     * Training, validation and test parts of {@code all}; when {@code test} is non-null only
     * training and validation are carved out and {@code test} is the test part.
     */
    DatasetSplits<D> split(D all, D test);
  }

  /** Reads one data file of a task. */
  @FunctionalInterface
  interface Reader<D> {
    /**
     * @param flag the flag that named {@code file}, for error messages
     * @param train the training set already read (for its label vocabulary), or null when
     *     {@code file} is the training file
     */
    D read(String flag, Path file, D train);
  }

  /**
   * The user's files as splits.
   *
   * @param hashSplit the task's fixed split of one file into train, validation and test
   * @throws IllegalArgumentException if the flags do not fit together
   */
  <D> DatasetSplits<D> splits(Reader<D> reader, HashSplitter<D> hashSplit) {
    check();
    D all = reader.read(DATA, train, null);
    if (validation == null) {
      return hashSplit.split(all, test == null ? null : reader.read(TEST_DATA, test, all));
    }
    D held = reader.read(VALIDATION_DATA, validation, all);
    return new DatasetSplits<>(
        all, held, test == null ? held : reader.read(TEST_DATA, test, all));
  }

  /** Rejects flag combinations that do not fit together, before anything slow runs. */
  void check() {
    if (train == null) {
      if (validation != null || test != null) {
        throw new IllegalArgumentException(
            (validation != null ? VALIDATION_DATA : TEST_DATA) + " needs " + DATA
                + " FILE with the training examples");
      }
      return;
    }
    if (dataset != null) {
      throw new IllegalArgumentException(
          "give either --dataset " + dataset + " or " + DATA + " " + train + ", not both");
    }
  }

  /**
   * The name the run records: the bundled dataset, or the training file's absolute path (one
   * file, however a resume names it).
   */
  String name(String defaultDataset) {
    if (train != null) {
      return train.toAbsolutePath().normalize().toString();
    }
    return dataset == null ? defaultDataset : dataset;
  }
}
