package io.dpft.data.datasets;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A {@link Row} whose values carry the line and column where they start. */
final class LocatedRow implements Row {
  /** A value and where it starts; {@code problem} set when the value cannot be used as text. */
  record Value(String text, long line, long column, String problem) {}

  private final String source;
  private final long line;
  private final long column;
  private final Map<String, Value> values = new LinkedHashMap<>();

  LocatedRow(String source, long line, long column) {
    this.source = source;
    this.line = line;
    this.column = column;
  }

  /** A parser's syntax error as a located, not skippable, row error. */
  static MalformedRowException syntaxError(String source, String format, StreamReadException e) {
    JsonLocation at = e.getLocation();
    return new MalformedRowException(
        source,
        at == null ? 0 : at.getLineNr(),
        at == null ? 0 : at.getColumnNr(),
        format + " syntax error (not skippable): " + e.getOriginalMessage());
  }

  void put(String name, Value value) {
    values.put(name, value);
  }

  long line() {
    return line;
  }

  @Override
  public String get(String name) {
    Value value = values.get(name);
    if (value == null) {
      return null;
    }
    if (value.problem() != null) {
      throw error(name, value.problem());
    }
    return value.text();
  }

  @Override
  public MalformedRowException error(String name, String problem) {
    Value value = values.get(name);
    return value == null
        ? new MalformedRowException(source, line, column, problem)
        : new MalformedRowException(source, value.line(), value.column(), problem);
  }
}
