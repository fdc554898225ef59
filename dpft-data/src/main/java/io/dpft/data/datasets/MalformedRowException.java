package io.dpft.data.datasets;

/**
 * A row (record, entry) of a data file that cannot be read as an example. The message names the
 * file, the 1-based line and column where known, and the problem, e.g. {@code "train.csv, line 12,
 * column 7: label 'maybe' is not one of [neg, pos]"}. Readers throw it, or with skip-bad-rows on,
 * count it in a {@link SkipReport}.
 */
public final class MalformedRowException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long line;
  private final long column;
  private final String problem;

  /**
   * @param file the file (or archive entry) name
   * @param line 1-based line, or 0 when not applicable (binary files)
   * @param column 1-based character column, or 0 when unknown
   * @param problem what is wrong and, where useful, how to fix it
   */
  public MalformedRowException(String file, long line, long column, String problem) {
    super(format(file, line, column, problem));
    this.file = file;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }

  private static String format(String file, long line, long column, String problem) {
    StringBuilder s = new StringBuilder(file);
    if (line > 0) {
      s.append(", line ").append(line);
    }
    if (column > 0) {
      s.append(", column ").append(column);
    }
    return s.append(": ").append(problem).toString();
  }

  public String file() {
    return file;
  }

  public long line() {
    return line;
  }

  public long column() {
    return column;
  }

  public String problem() {
    return problem;
  }
}
