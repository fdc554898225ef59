package io.dpft.cli;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.text.GlueTask;
import io.dpft.data.datasets.text.TextColumns;
import io.dpft.data.datasets.text.TextDatasetReader;
import io.dpft.data.datasets.text.TextReadOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where text, second text and label are in a user's CSV or JSON Lines file, and the one reader
 * that picks the format by extension: shared by {@code train} and {@code eval}.
 */
final class TextColumnOptions {
  /** The command this is a mixin of, whose stderr gets the skip notes; unset in an arg group. */
  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

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
      names = "--glue-task",
      paramLabel = "TASK",
      description = "the GLUE task of .tsv data files, which fixes columns and labels: sst2, qnli,"
          + " qqp, mnli, mrpc, rte or wnli")
  String glueTask;

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
   * {@link #read(String, Path, TextReadOptions, PrintWriter)} with the note of skipped rows on the
   * stderr of the command this is a mixin of ({@code train}).
   */
  TextDataset read(String flag, Path file, TextReadOptions options) {
    return read(flag, file, options, command.commandLine().getErr());
  }

  /**
   * Reads {@code file}, given with {@code flag}: .csv with a header, .json/.jsonl, or a GLUE .tsv
   * of {@link #glueTask} (whose labels then replace {@code options}'). What {@code
   * --skip-bad-rows} skipped is a {@link SkipNote} on {@code err}; the data must pass {@link
   * TextDataChecks}, as the training file when {@code options} has no labels to map with.
   *
   * @throws IllegalArgumentException naming the flag if the file is missing, of another format,
   *     or falls short of {@link TextDataChecks}
   */
  TextDataset read(String flag, Path file, TextReadOptions options, PrintWriter err) {
    Format format = format(flag, file);
    TextDataset data =
        switch (format) {
          case CSV -> TextDatasetReader.csv(file, options);
          case JSON -> TextDatasetReader.json(file, options);
          case GLUE_TSV -> TextDatasetReader.glue(file, glueTask(), skipBadRows);
        };
    SkipNote.print(err, flag, file, data.skipped());
    String labelColumn =
        format == Format.GLUE_TSV ? glueTask().columns().label() : options.columns().label();
    TextDataChecks.check(flag, file, data, labelColumn, options.labels() == null);
    return data;
  }

  /** The formats a data file can have, known by its extension. */
  enum Format { CSV, JSON, GLUE_TSV }

  /**
   * Checks, before anything slow runs, that {@code file} exists and has a known format.
   *
   * @throws IllegalArgumentException naming {@code flag} and the fix otherwise
   */
  Format format(String flag, Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return Format.CSV;
    }
    if (name.endsWith(".json") || name.endsWith(".jsonl")) {
      return Format.JSON;
    }
    if (name.endsWith(".tsv")) {
      if (glueTask == null) {
        throw new IllegalArgumentException(
            flag + " " + file + " is a GLUE .tsv file: name its task with --glue-task ("
                + glueTaskNames() + ")");
      }
      glueTask();
      return Format.GLUE_TSV;
    }
    throw new IllegalArgumentException(
        flag + " must be a .csv, .json, .jsonl or GLUE .tsv file, got " + file);
  }

  /** The task of {@code --glue-task}, as "sst2", "SST-2" or "sst-2". */
  private GlueTask glueTask() {
    String name = glueTask.toUpperCase(Locale.ROOT).replace("-", "");
    return Arrays.stream(GlueTask.values())
        .filter(t -> t.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--glue-task must be one of " + glueTaskNames() + ", got '" + glueTask + "'"));
  }

  private static String glueTaskNames() {
    return Arrays.stream(GlueTask.values())
        .map(t -> t.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }
}
