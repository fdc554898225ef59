package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The fixed split of the built-in text datasets (and of a user's single data file): an example
 * goes to a part by the SHA-256 of its text (UTF-8; for table-to-text, of its meaning
 * representation): with h the first 8 digest bytes as an unsigned big-endian number, {@code h mod
 * 10} in 0–7 is train, 8 validation, 9 test (about 80/10/10). It depends on nothing but the text,
 * so it is reproducible in any language and exact duplicates never straddle train and test.
 */
public final class HashSplit {
  /** Which part an example belongs to. */
  public enum Part {
    TRAIN,
    VALIDATION,
    TEST
  }

  private HashSplit() {}

  public static Part of(String text) {
    byte[] digest = Sha256.newDigest().digest(text.getBytes(StandardCharsets.UTF_8));
    long h = ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    long bucket = Long.remainderUnsigned(h, 10);
    if (bucket < 8) {
      return Part.TRAIN;
    }
    return bucket == 8 ? Part.VALIDATION : Part.TEST;
  }

  /** Splits {@code all} by each example's text; the skip report stays with the train part. */
  public static DatasetSplits<TextDataset> split(TextDataset all) {
    List<List<TextExample>> parts = parts(all.examples(), TextExample::text);
    return new DatasetSplits<>(
        new TextDataset(all.source() + " [train]", parts.get(0), all.labels(), all.skipped()),
        new TextDataset(all.source() + " [validation]", parts.get(1), all.labels(), SkipReport.NONE),
        new TextDataset(all.source() + " [test]", parts.get(2), all.labels(), SkipReport.NONE));
  }

  /**
   * Splits table-to-text inputs by their meaning representation, so that all references of an
   * input land in one part; the skip report stays with the train part.
   */
  public static DatasetSplits<TableToTextDataset> split(TableToTextDataset all) {
    List<List<TableToTextExample>> parts =
        parts(all.examples(), TableToTextExample::meaningRepresentation);
    return new DatasetSplits<>(
        new TableToTextDataset(all.source() + " [train]", parts.get(0), all.skipped()),
        new TableToTextDataset(all.source() + " [validation]", parts.get(1), SkipReport.NONE),
        new TableToTextDataset(all.source() + " [test]", parts.get(2), SkipReport.NONE));
  }

  /** {@code items} by {@link Part} (in ordinal order), each in the items' order. */
  private static <T> List<List<T>> parts(List<T> items, Function<T, String> key) {
    List<List<T>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (T item : items) {
      parts.get(of(key.apply(item)).ordinal()).add(item);
    }
    return parts;
  }
}
