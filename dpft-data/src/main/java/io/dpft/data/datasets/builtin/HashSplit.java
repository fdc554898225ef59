package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import io.dpft.data.datasets.table.TableToTextDataset;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.RawImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.Locale;

/**
 * The fixed split of the built-in text datasets (and of a user's single data file): an example
 * goes to a part by the SHA-256 of its text (UTF-8; for table-to-text, of its meaning
 * representation): with h the first 8 digest bytes as an unsigned big-endian number, {@code h mod
 * 10} in 0–7 is train, 8 validation, 9 test (about 80/10/10). It depends on nothing but the text,
 * so it is reproducible in any language and exact duplicates never straddle train and test. Images
 * are split the same way by their pixel bytes.
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
    return of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The part of an example identified by {@code content} (an image's 8-bit CHW pixels). */
  public static Part of(byte[] content) {
    byte[] digest = Sha256.newDigest().digest(content);
    long h = ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    long bucket = Long.remainderUnsigned(h, 10);
    if (bucket < 8) {
      return Part.TRAIN;
    }
    return bucket == 8 ? Part.VALIDATION : Part.TEST;
  }

  /** Splits {@code all} by each example's text; the skip report stays with the train part. */
  public static DatasetSplits<TextDataset> split(TextDataset all) {
    return split(all, null);
  }

  /**
   * Training and validation examples out of {@code all}, split by each example's text: about
   * 80/10/10 into training, validation and test, or 90/10 into training and validation when
   * {@code test} is given (non-null), which is then the test part as it is. The skip report stays
   * with the train part.
   */
  public static DatasetSplits<TextDataset> split(TextDataset all, TextDataset test) {
    List<List<TextExample>> parts = parts(all.examples(), TextExample::text, test == null);
    return new DatasetSplits<>(
        new TextDataset(all.source() + " [train]", parts.get(0), all.labels(), all.skipped()),
        new TextDataset(all.source() + " [validation]", parts.get(1), all.labels(), SkipReport.NONE),
        test != null
            ? test
            : new TextDataset(all.source() + " [test]", parts.get(2), all.labels(), SkipReport.NONE));
  }

  /**
   * Splits table-to-text inputs by their meaning representation, so that all references of an
   * input land in one part; the skip report stays with the train part.
   */
  public static DatasetSplits<TableToTextDataset> split(TableToTextDataset all) {
    return split(all, null);
  }

  /**
   * As {@link #split(TableToTextDataset)}, or 90/10 into training and validation when {@code test}
   * is given (non-null), which is then the test part as it is.
   */
  public static DatasetSplits<TableToTextDataset> split(
      TableToTextDataset all, TableToTextDataset test) {
    List<List<TableToTextExample>> parts =
        parts(all.examples(), TableToTextExample::meaningRepresentation, test == null);
    return new DatasetSplits<>(
        new TableToTextDataset(all.source() + " [train]", parts.get(0), all.skipped()),
        new TableToTextDataset(all.source() + " [validation]", parts.get(1), SkipReport.NONE),
        test != null
            ? test
            : new TableToTextDataset(all.source() + " [test]", parts.get(2), SkipReport.NONE));
  }

  /**
   * {@code items} by {@link Part} (in ordinal order), each in the items' order; without {@code
   * carveTest} the test part goes to training.
   */
  private static <T> List<List<T>> parts(List<T> items, Function<T, String> key, boolean carveTest) {
    List<List<T>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (T item : items) {
      Part part = of(key.apply(item));
      parts.get(part == Part.TEST && !carveTest ? Part.TRAIN.ordinal() : part.ordinal()).add(item);
    }
    return parts;
  }

  /**
   * Training, validation and test images out of {@code train}, split by {@link #of(byte[])} of each
   * image's pixels: about 80/10/10, or 90/10 into training and validation when {@code test} is
   * given (non-null), which is then used as it is, its labels re-indexed to the training set's
   * ({@link ImageDataset#withLabelNames}).
   *
   * @throws IllegalArgumentException when a carved part is empty (too few training images) or
   *     {@code test} has a label the training set lacks
   */
  public static DatasetSplits<ImageDataset> split(ImageDataset train, ImageDataset test) {
    boolean carveTest = test == null;
    List<List<Integer>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < train.size(); i++) {
      Part part = of(train.raw(i).pixels());
      parts.get(part == Part.TEST && !carveTest ? Part.TRAIN.ordinal() : part.ordinal()).add(i);
    }
    return new DatasetSplits<>(
        subset(train, " [train]", parts.get(0), train.skipped()),
        carved(train, Part.VALIDATION, parts.get(1)),
        carveTest ? carved(train, Part.TEST, parts.get(2)) : test.withLabelNames(train.labels()));
  }

  private static ImageDataset carved(ImageDataset train, Part part, List<Integer> indices) {
    String name = part.name().toLowerCase(Locale.ROOT);
    if (indices.isEmpty()) {
      throw new IllegalArgumentException("the " + name + " part carved out of " + train.source()
          + " (" + train.size() + " images, about 10% go to " + name + ") is empty: give more"
          + " training images or the held-out images separately");
    }
    return subset(train, " [" + name + "]", indices, SkipReport.NONE);
  }

  private static ImageDataset subset(
      ImageDataset all, String suffix, List<Integer> indices, SkipReport skipped) {
    List<RawImage> images = new ArrayList<>(indices.size());
    int[] labels = new int[indices.size()];
    for (int k = 0; k < labels.length; k++) {
      images.add(all.raw(indices.get(k)));
      labels[k] = all.label(indices.get(k));
    }
    return new ImageDataset(all.source() + suffix, images, labels, all.labels(), skipped,
        all.transform());
  }
}
