package io.dpft.data.datasets.text;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.CsvRows;
import io.dpft.data.datasets.JsonRows;
import io.dpft.data.datasets.RowHandler;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TsvRows;
import io.dpft.data.datasets.Utf8Reader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Reads text classification data (UTF-8) into a {@link TextDataset}, streaming the file row by
 * row: CSV, JSON / JSON Lines and GLUE TSV. A file that is not UTF-8 is an error naming its line
 * ({@link Utf8Reader}), even with skip-bad-rows on.
 */
public final class TextDatasetReader {
  private TextDatasetReader() {}

  /** A CSV file with a header line. */
  public static TextDataset csv(Path file, TextReadOptions options) {
    return readFile(file, CsvRows::read, options, false);
  }

  /** JSON Lines, or a JSON array of objects. */
  public static TextDataset json(Path file, TextReadOptions options) {
    return readFile(file, JsonRows::read, options, false);
  }

  /** JSON Lines, or a JSON array of objects, from a reader; {@code source} names it in errors. */
  public static TextDataset json(String source, Reader reader, TextReadOptions options)
      throws IOException {
    return read(source, reader, JsonRows::read, options, false);
  }

  /** A GLUE TSV file of {@code task}; a file without the label column reads as unlabelled. */
  public static TextDataset glue(Path file, GlueTask task, boolean skipBadRows) {
    TextReadOptions options = new TextReadOptions(task.columns(), task.labels(), skipBadRows);
    return readFile(file, TsvRows::read, options, true);
  }

  /** A row source's read method: CsvRows::read, TsvRows::read, JsonRows::read. */
  private interface RowSource {
    void read(String source, Reader reader, RowHandler handler, BadRows bad) throws IOException;
  }

  private static TextDataset readFile(
      Path file, RowSource rows, TextReadOptions options, boolean labelColumnMayBeAbsent) {
    try (Reader reader = Utf8Reader.open(file)) {
      return read(file.toString(), reader, rows, options, labelColumnMayBeAbsent);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e, e);
    }
  }

  private static TextDataset read(
      String source,
      Reader reader,
      RowSource rows,
      TextReadOptions options,
      boolean labelColumnMayBeAbsent)
      throws IOException {
    TextExampleCollector collector =
        new TextExampleCollector(
            source, options.columns(), options.labels(), labelColumnMayBeAbsent);
    BadRows bad = new BadRows(options.skipBadRows());
    rows.read(source, reader, collector, bad);
    return collector.finish(bad);
  }
}
