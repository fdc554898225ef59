package io.dpft.data.datasets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.io.Reader;

/**
 * Streams JSON objects with Jackson's token parser: either JSON Lines (one object per line, or any
 * whitespace-separated sequence of objects) or a single top-level array of objects. Scalar values
 * become text ({@code 1} as {@code "1"}, {@code true} as {@code "true"}); null means missing; an
 * object or array value is an error when its column is asked for. A syntax error is thrown even
 * with skip-bad-rows on.
 */
public final class JsonRows {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonRows() {}

  public static void read(String source, Reader reader, RowHandler handler, BadRows bad)
      throws IOException {
    try (JsonParser parser = FACTORY.createParser(reader)) {
      JsonToken token = parser.nextToken();
      boolean array = token == JsonToken.START_ARRAY;
      if (array) {
        token = parser.nextToken();
      }
      while (token != null && token != JsonToken.END_ARRAY) {
        JsonLocation at = parser.currentTokenLocation();
        if (token != JsonToken.START_OBJECT) {
          parser.skipChildren();
          bad.report(
              new MalformedRowException(
                  source, at.getLineNr(), at.getColumnNr(), "expected a JSON object, found " + token));
        } else {
          LocatedRow row = readObject(source, parser, at);
          try {
            handler.row(row);
          } catch (MalformedRowException e) {
            bad.report(e);
          }
        }
        token = parser.nextToken();
      }
      if (array && token == null) {
        throw new MalformedRowException(source, 0, 0, "unterminated top-level JSON array");
      }
    } catch (StreamReadException e) {
      throw LocatedRow.syntaxError(source, "JSON", e);
    }
  }

  private static LocatedRow readObject(String source, JsonParser parser, JsonLocation start)
      throws IOException {
    LocatedRow row = new LocatedRow(source, start.getLineNr(), start.getColumnNr());
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      JsonToken value = parser.nextToken();
      JsonLocation at = parser.currentTokenLocation();
      long line = at.getLineNr();
      long column = at.getColumnNr();
      if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
        parser.skipChildren();
        row.put(
            name,
            new LocatedRow.Value(
                null,
                line,
                column,
                "column '" + name + "' holds a JSON " + kind(value) + ", expected a string or number"));
      } else {
        String text = value == JsonToken.VALUE_NULL ? null : parser.getText();
        row.put(name, new LocatedRow.Value(text, line, column, null));
      }
    }
    return row;
  }

  private static String kind(JsonToken token) {
    return token == JsonToken.START_OBJECT ? "object" : "array";
  }
}
