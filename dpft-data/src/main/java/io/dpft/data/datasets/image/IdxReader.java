package io.dpft.data.datasets.image;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format of MNIST (LeCun et al., 1998) and Fashion-MNIST (Xiao, Rasul and
 * Vollgraf, 2017): a magic number {@code 0x00 0x00 type ndims}, then {@code ndims} big-endian
 * int32 dimensions, then the data in row-major order. Only unsigned bytes (type {@code 0x08}) are
 * supported, as these datasets use. Files may be gzip-compressed ({@code .gz}); this is detected
 * from the content.
 */
public final class IdxReader {
  private static final int UNSIGNED_BYTE = 0x08;

  /** An IDX array: its dimensions and its bytes in row-major order. */
  public record IdxArray(int[] dims, byte[] data) {}

  private IdxReader() {}

  /**
   * Images ({@code n × rows × cols}) and their labels ({@code n}) as a one-channel dataset; a label
   * outside {@code vocabulary} is a malformed record.
   */
  public static ImageDataset read(
      Path images,
      Path labels,
      LabelVocabulary vocabulary,
      ImageTransform transform,
      boolean skipBadRows) {
    IdxArray imageArray = readArray(images);
    IdxArray labelArray = readArray(labels);
    return toDataset(
        images.toString(), imageArray, labels.toString(), labelArray, vocabulary, transform, skipBadRows);
  }

  /** Builds the dataset from arrays already read (e.g. through a checksum-verifying stream). */
  public static ImageDataset toDataset(
      String imagesSource,
      IdxArray images,
      String labelsSource,
      IdxArray labels,
      LabelVocabulary vocabulary,
      ImageTransform transform,
      boolean skipBadRows) {
    if (images.dims().length != 3) {
      throw new IllegalArgumentException(
          imagesSource + ": expected 3 dimensions (n, rows, cols), found " + Arrays.toString(images.dims()));
    }
    if (labels.dims().length != 1) {
      throw new IllegalArgumentException(
          labelsSource + ": expected 1 dimension (n), found " + Arrays.toString(labels.dims()));
    }
    int n = images.dims()[0];
    if (labels.dims()[0] != n) {
      throw new IllegalArgumentException(
          imagesSource + " holds " + n + " images but " + labelsSource + " holds " + labels.dims()[0] + " labels");
    }
    int rows = images.dims()[1];
    int cols = images.dims()[2];
    int plane = rows * cols;
    BadRows bad = new BadRows(skipBadRows);
    List<RawImage> raw = new ArrayList<>(n);
    int[] kept = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      int label = labels.data()[i] & 0xFF;
      if (label >= vocabulary.size()) {
        bad.report(
            new MalformedRowException(
                labelsSource,
                0,
                0,
                "item " + (i + 1) + ": label " + label + " is outside 0.." + (vocabulary.size() - 1)));
        continue;
      }
      raw.add(new RawImage(Arrays.copyOfRange(images.data(), i * plane, (i + 1) * plane), 1, rows, cols));
      kept[count++] = label;
    }
    return new ImageDataset(
        imagesSource, raw, Arrays.copyOf(kept, count), vocabulary, bad.toReport(), transform);
  }

  public static IdxArray readArray(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return readArray(file.toString(), in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read IDX file " + file + ": " + e, e);
    }
  }

  /** {@code in} buffered, and gunzipped when it starts with gzip's magic bytes (1f 8b). */
  static InputStream gunzipIfGzipped(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
  }

  /** Reads one IDX array from {@code in} (raw or gzip); {@code source} names it in errors. */
  public static IdxArray readArray(String source, InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(gunzipIfGzipped(in));
    int magic = data.readInt();
    int type = (magic >> 8) & 0xFF;
    int ndims = magic & 0xFF;
    if ((magic >>> 16) != 0 || ndims == 0) {
      throw new IllegalArgumentException(
          source + ": not an IDX file (magic number 0x" + Integer.toHexString(magic) + ")");
    }
    if (type != UNSIGNED_BYTE) {
      throw new IllegalArgumentException(
          source + ": IDX data type 0x" + Integer.toHexString(type) + " is not supported; only unsigned byte (0x08)");
    }
    int[] dims = new int[ndims];
    long total = 1;
    for (int d = 0; d < ndims; d++) {
      dims[d] = data.readInt();
      if (dims[d] < 0) {
        throw new IllegalArgumentException(source + ": negative dimension " + dims[d]);
      }
      total *= dims[d];
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(source + ": " + total + " bytes is too large for one array");
    }
    byte[] bytes = new byte[(int) total];
    try {
      data.readFully(bytes);
    } catch (java.io.EOFException e) {
      throw new IllegalArgumentException(
          source + ": truncated, dimensions " + Arrays.toString(dims) + " need " + total + " data bytes", e);
    }
    return new IdxArray(dims, bytes);
  }
}
