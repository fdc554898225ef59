package io.dpft.data.datasets;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a CSV file (RFC 4180: quoted fields may hold separators, quotes and line breaks) row by
 * row with Jackson's CSV parser. The first record is the header; every later record must have as
 * many fields. A syntax error (an unclosed quote) is thrown even with skip-bad-rows on, since the
 * parser cannot find the next row after it.
 */
public final class CsvRows {
  private static final CsvMapper MAPPER = new CsvMapper();

  private CsvRows() {}

  /** Reads comma-separated rows from {@code reader}; {@code source} names the file in errors. */
  public static void read(String source, Reader reader, RowHandler handler, BadRows bad)
      throws IOException {
    CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(',');
    try (JsonParser parser = MAPPER.getFactory().createParser(reader)) {
      parser.setSchema(schema);
      ((CsvParser) parser).enable(CsvParser.Feature.WRAP_AS_ARRAY);
      expect(parser.nextToken(), JsonToken.START_ARRAY, source);
      List<String> header = null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.START_ARRAY) {
        List<LocatedRow.Value> fields = readRecord(parser);
        if (header == null) {
          header = headerNames(fields);
          handler.header(header);
          continue;
        }
        LocatedRow.Value first = fields.get(0);
        LocatedRow row = new LocatedRow(source, first.line(), first.column());
        try {
          if (fields.size() != header.size()) {
            LocatedRow.Value last = fields.get(fields.size() - 1);
            throw new MalformedRowException(
                source,
                last.line(),
                last.column(),
                "expected "
                    + header.size()
                    + " fields as in the header "
                    + header
                    + ", found "
                    + fields.size());
          }
          for (int i = 0; i < fields.size(); i++) {
            row.put(header.get(i), fields.get(i));
          }
          handler.row(row);
        } catch (MalformedRowException e) {
          bad.report(e);
        }
      }
      expect(token, JsonToken.END_ARRAY, source);
      if (header == null) {
        throw new IllegalArgumentException(source + ": empty CSV file, expected a header line");
      }
    } catch (StreamReadException e) {
      throw LocatedRow.syntaxError(source, "CSV", e);
    }
  }

  private static List<LocatedRow.Value> readRecord(JsonParser parser) throws IOException {
    List<LocatedRow.Value> fields = new ArrayList<>();
    while (parser.nextToken() == JsonToken.VALUE_STRING) {
      JsonLocation at = parser.currentTokenLocation();
      fields.add(new LocatedRow.Value(parser.getText(), at.getLineNr(), at.getColumnNr(), null));
    }
    return fields;
  }

  private static List<String> headerNames(List<LocatedRow.Value> fields) {
    List<String> names = new ArrayList<>();
    for (LocatedRow.Value field : fields) {
      names.add(names.isEmpty() ? TsvRows.stripByteOrderMark(field.text()) : field.text());
    }
    return names;
  }

  private static void expect(JsonToken actual, JsonToken expected, String source) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          source + ": unexpected CSV structure, expected " + expected + " but found " + actual);
    }
  }
}
