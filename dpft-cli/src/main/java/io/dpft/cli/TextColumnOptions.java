package io.dpft.cli;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.text.TextColumns;
import io.dpft.data.datasets.text.TextDatasetReader;
import io.dpft.data.datasets.text.TextReadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where text, second text and label are in a user's CSV or JSON Lines file, and the one reader
 * that picks the format by extension: shared by {@code train} and {@code eval}.
 */
final class TextColumnOptions {
  @Option(
      names = "--text-column",
      paramLabel = "NAME",
      defaultValue = "text",
      description = "column of the text in the data files; default: ${DEFAULT-VALUE}")
  String textColumn = "text";

  @Option(
      names = "--text-pair-column",
      paramLabel = "NAME",
      description = "column of the second text of a pair, if the task has pairs")
  String textPairColumn;

  @Option(
      names = "--label-column",
      paramLabel = "NAME",
      defaultValue = "label",
      description = "column of the label; default: ${DEFAULT-VALUE}")
  String labelColumn = "label";

  @Option(
      names = "--skip-bad-rows",
      description = "skip malformed rows (counted and reported) instead of stopping at the first")
  boolean skipBadRows;

  /** These columns; labels inferred from the file when {@code labels} is null. */
  TextReadOptions options(LabelVocabulary labels) {
    TextReadOptions options =
        TextReadOptions.of(new TextColumns(textColumn, textPairColumn, labelColumn));
    options = labels == null ? options : options.withLabels(labels);
    return skipBadRows ? options.skippingBadRows() : options;
  }

  /**
   * Reads {@code file} (.csv with a header, or .json/.jsonl) given with {@code flag}.
   *
   * @throws IllegalArgumentException naming the flag if the file is missing or of another format
   */
  static TextDataset read(String flag, Path file, TextReadOptions options) {
    return isCsv(flag, file)
        ? TextDatasetReader.csv(file, options)
        : TextDatasetReader.json(file, options);
  }

  /**
   * Checks, before anything slow runs, that {@code file} exists and is .csv (true) or
   * .json/.jsonl (false).
   *
   * @throws IllegalArgumentException naming {@code flag} otherwise
   */
  static boolean isCsv(String flag, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return true;
    }
    if (name.endsWith(".json") || name.endsWith(".jsonl")) {
      return false;
    }
    throw new IllegalArgumentException(
        flag + " must be a .csv, .json or .jsonl file, got " + file);
  }
}
