package io.dpft.data.datasets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.List;

/**
 * Streams a tab-separated file line by line, GLUE style: the first line is the header, each later
 * line one row, fields split at every tab with no quoting (GLUE's TSV files contain unbalanced
 * quotes, so a CSV parser with quote handling would merge rows). A line with a different number of
 * fields than the header is a malformed row.
 */
public final class TsvRows {
  private TsvRows() {}

  public static void read(String source, Reader reader, RowHandler handler, BadRows bad)
      throws IOException {
    BufferedReader lines = new BufferedReader(reader);
    String headerLine = lines.readLine();
    if (headerLine == null) {
      throw new IllegalArgumentException(source + ": empty TSV file, expected a header line");
    }
    List<String> header = List.of(stripByteOrderMark(headerLine).split("\t", -1));
    handler.header(header);
    long lineNumber = 1;
    String line;
    while ((line = lines.readLine()) != null) {
      lineNumber++;
      if (line.isEmpty()) {
        continue;
      }
      try {
        handler.row(parse(source, lineNumber, line, header));
      } catch (MalformedRowException e) {
        bad.report(e);
      }
    }
  }

  private static LocatedRow parse(String source, long lineNumber, String line, List<String> header) {
    String[] fields = line.split("\t", -1);
    if (fields.length != header.size()) {
      throw new MalformedRowException(
          source,
          lineNumber,
          1,
          "expected " + header.size() + " tab-separated fields as in the header " + header
              + ", found " + fields.length);
    }
    LocatedRow row = new LocatedRow(source, lineNumber, 1);
    int column = 1;
    for (int i = 0; i < fields.length; i++) {
      row.put(header.get(i), new LocatedRow.Value(fields[i], lineNumber, column, null));
      column += fields[i].length() + 1;
    }
    return row;
  }

  /** Drops a leading U+FEFF (some GLUE files, e.g. MRPC's, start with a byte order mark). */
  static String stripByteOrderMark(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }
}
