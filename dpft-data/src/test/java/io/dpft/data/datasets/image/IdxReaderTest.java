package io.dpft.data.datasets.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  private static final LabelVocabulary DIGITS =
      LabelVocabulary.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  @TempDir Path dir;

  /** An IDX file: 0x0000, type, ndims, big-endian dims, data. */
  static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt((type << 8) | dims.length);
    for (int d : dims) {
      out.writeInt(d);
    }
    out.write(data);
    return bytes.toByteArray();
  }

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    return write(dir, name, content, gzip);
  }

  /** {@code content} as {@code dir/name}, gzip-compressed or not. */
  static Path write(Path dir, String name, byte[] content, boolean gzip) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out =
        gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }

  private static byte[] pixels(int n, int rows, int cols) {
    byte[] px = new byte[n * rows * cols];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 37);
    }
    return px;
  }

  @Test
  void read_rawAndGzip_giveSameImagesAndLabels() throws IOException {
    byte[] images = idx(0x08, new int[] {3, 2, 4}, pixels(3, 2, 4));
    byte[] labels = idx(0x08, new int[] {3}, new byte[] {7, 0, 9});
    for (boolean gzip : new boolean[] {false, true}) {
      ImageDataset data =
          IdxReader.read(
              write("images" + gzip, images, gzip),
              write("labels" + gzip, labels, gzip),
              DIGITS,
              ImageTransform.scaleOnly(2, 1),
              false);
      assertThat(data.size()).isEqualTo(3);
      assertThat(data.label(2)).isEqualTo(9);
      RawImage second = data.raw(1);
      assertThat(second.height()).isEqualTo(2);
      assertThat(second.width()).isEqualTo(4);
      // item 1, row 1, col 3 -> byte index 8 + 4 + 3 = 15
      assertThat(second.pixels()[4 + 3]).isEqualTo((byte) (15 * 37));
    }
  }

  @Test
  void readArray_unsupportedType_throws() throws IOException {
    Path file = write("floats", idx(0x0D, new int[] {1}, new byte[4]), false);
    assertThatThrownBy(() -> IdxReader.readArray(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IDX data type 0xd is not supported");
  }

  @Test
  void readArray_truncated_throwsWithNeededBytes() throws IOException {
    Path file = write("short", idx(0x08, new int[] {2, 2, 2}, new byte[5]), true);
    assertThatThrownBy(() -> IdxReader.readArray(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated, dimensions [2, 2, 2] need 8 data bytes");
  }

  @Test
  void read_countMismatch_throws() throws IOException {
    Path images = write("i", idx(0x08, new int[] {2, 1, 1}, new byte[2]), false);
    Path labels = write("l", idx(0x08, new int[] {3}, new byte[3]), false);
    assertThatThrownBy(
            () -> IdxReader.read(images, labels, DIGITS, ImageTransform.scaleOnly(1, 1), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds 2 images but")
        .hasMessageContaining("holds 3 labels");
  }

  @Test
  void read_labelOutsideVocabulary_throws_orIsSkipped() throws IOException {
    Path images = write("i", idx(0x08, new int[] {3, 1, 1}, new byte[3]), false);
    Path labels = write("l", idx(0x08, new int[] {3}, new byte[] {1, 5, 0}), false);
    LabelVocabulary two = LabelVocabulary.of("a", "b");
    assertThatThrownBy(() -> IdxReader.read(images, labels, two, ImageTransform.scaleOnly(1, 1), false))
        .isInstanceOf(MalformedRowException.class)
        .hasMessageContaining("item 2: label 5 is outside 0..1");
    ImageDataset data = IdxReader.read(images, labels, two, ImageTransform.scaleOnly(1, 1), true);
    assertThat(data.labelCounts()).containsExactly(1, 1);
    assertThat(data.skipped().skipped()).isEqualTo(1);
  }

  @Test
  void readArray_notIdx_throws() throws IOException {
    Path file = write("text", "hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII), false);
    assertThatThrownBy(() -> IdxReader.readArray(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an IDX file");
  }
}
