package io.dpft.data.datasets;

/**
 * One row of a tabular data file (CSV, TSV, JSON object) whose values are found by column name and
 * whose problems are reported where they are.
 */
public interface Row {
  /** The value of {@code column}, or null when the row has no such column or its value is null. */
  String get(String column);

  /**
   * An error located at {@code column}'s value (or at the row when the column is absent), for the
   * caller to throw or skip.
   */
  MalformedRowException error(String column, String problem);

  /** The value of {@code column}, or a located error when it is missing. */
  default String require(String column) {
    String value = get(column);
    if (value == null) {
      throw error(column, "missing value for column '" + column + "'");
    }
    return value;
  }
}
