package io.dpft.cli;

import io.dpft.data.datasets.builtin.HashSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * {@code --data}, {@code --validation-data}, {@code --test-data}: a task's training examples from
 * the user's files. A split not given is taken from the training file by {@link HashSplit} (about
 * 10% each, by a hash of the example's key), so runs on one file are reproducible and the splits
 * never share an input.
 */
final class TrainingDataOptions {
  @Option(names = "--data", paramLabel = "FILE",
      description = "training examples (causal-lm: an E2E-style CSV with columns mr and ref)")
  Path train;

  @Option(names = "--validation-data", paramLabel = "FILE",
      description = "validation examples, same format (default: ~10% of --data, by hash)")
  Path validation;

  @Option(names = "--test-data", paramLabel = "FILE",
      description = "test examples, same format (default: ~10% of --data, by hash)")
  Path test;

  /** The files' examples: each split from its file, or from the training file's hash part. */
  record Splits<T>(List<T> train, List<T> validation, List<T> test) {}

  /**
   * Reads the given files with {@code reader} and fills in missing splits from {@code --data}.
   *
   * @param key what an example is hashed by (equal keys stay in one split)
   * @throws IllegalArgumentException when {@code --data} is missing or a file does not exist
   */
  <T> Splits<T> read(String task, Function<Path, List<T>> reader, Function<T, String> key) {
    if (train == null) {
      throw new IllegalArgumentException("--task " + task + " needs --data FILE");
    }
    for (Path file : new Path[] {train, validation, test}) {
      if (file != null && !Files.isRegularFile(file)) {
        throw new IllegalArgumentException("data file " + file + " does not exist");
      }
    }
    List<T> all = reader.apply(train);
    List<T> trainPart = new ArrayList<>();
    List<T> validationPart = new ArrayList<>();
    List<T> testPart = new ArrayList<>();
    for (T example : all) {
      HashSplit.Part part = HashSplit.of(key.apply(example));
      if (part == HashSplit.Part.VALIDATION && validation == null) {
        validationPart.add(example);
      } else if (part == HashSplit.Part.TEST && test == null) {
        testPart.add(example);
      } else {
        trainPart.add(example);
      }
    }
    return new Splits<>(
        trainPart,
        validation == null ? validationPart : reader.apply(validation),
        test == null ? testPart : reader.apply(test));
  }
}
