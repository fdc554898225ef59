package io.dpft.data.datasets;

import java.util.List;

/**
 * Receives the rows of a file from a row source ({@link CsvRows}, {@link TsvRows}, {@link
 * JsonRows}). A {@link MalformedRowException} thrown by {@link #row} goes to the read's {@link
 * BadRows}, so a handler's own checks (unknown label, bad value) obey skip-bad-rows too.
 */
public interface RowHandler {
  /**
   * Called once, before any row, for formats with a header line (CSV, TSV); never for JSON. Throw
   * {@link IllegalArgumentException} here when a required column is missing: that is a problem of
   * the file, not of a row, and is never skipped.
   */
  default void header(List<String> columns) {}

  void row(Row row);
}
