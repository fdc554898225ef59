package io.dpft.data.datasets.table;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.CsvRows;
import io.dpft.data.datasets.Row;
import io.dpft.data.datasets.RowHandler;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.Utf8Reader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an E2E CSV file ({@code trainset.csv}, {@code devset.csv}, {@code testset_w_refs.csv}:
 * columns {@code mr} and {@code ref}, one reference per row). Rows with the same meaning
 * representation are grouped into one {@link TableToTextExample}, in order of first appearance,
 * so that evaluation scores each input once against all its references. The file must be UTF-8
 * ({@link Utf8Reader}).
 */
public final class E2eReader {
  public static final String MR_COLUMN = "mr";
  public static final String REF_COLUMN = "ref";

  private E2eReader() {}

  public static TableToTextDataset read(Path file, boolean skipBadRows) {
    try (Reader reader = Utf8Reader.open(file)) {
      return read(file.toString(), reader, skipBadRows);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e, e);
    }
  }

  public static TableToTextDataset read(String source, Reader reader, boolean skipBadRows)
      throws IOException {
    Map<String, List<String>> referencesByMr = new LinkedHashMap<>();
    Map<String, String> promptByMr = new LinkedHashMap<>();
    BadRows bad = new BadRows(skipBadRows);
    RowHandler handler =
        new RowHandler() {
          @Override
          public void header(List<String> columns) {
            for (String required : List.of(MR_COLUMN, REF_COLUMN)) {
              if (!columns.contains(required)) {
                throw new IllegalArgumentException(
                    source + ": no '" + required + "' column in the header " + columns);
              }
            }
          }

          @Override
          public void row(Row row) {
            String mr = row.require(MR_COLUMN);
            String ref = row.require(REF_COLUMN);
            if (!promptByMr.containsKey(mr)) {
              promptByMr.put(mr, prompt(row, mr));
            }
            referencesByMr.computeIfAbsent(mr, k -> new ArrayList<>()).add(ref);
          }
        };
    CsvRows.read(source, reader, handler, bad);
    List<TableToTextExample> examples = new ArrayList<>(referencesByMr.size());
    referencesByMr.forEach(
        (mr, refs) -> examples.add(new TableToTextExample(mr, promptByMr.get(mr), refs)));
    return new TableToTextDataset(source, examples, bad.toReport());
  }

  private static String prompt(Row row, String mr) {
    try {
      return MeaningRepresentation.parse(mr).linearised();
    } catch (IllegalArgumentException e) {
      throw row.error(MR_COLUMN, "malformed meaning representation: " + e.getMessage());
    }
  }
}
