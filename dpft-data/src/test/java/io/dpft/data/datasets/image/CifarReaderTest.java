package io.dpft.data.datasets.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.MalformedRowException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
  @TempDir Path dir;

  /** A record: label bytes then 3072 pixels where pixel p of channel c is (c*7 + p + seed) mod 256. */
  static byte[] record(int seed, int... labelBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b : labelBytes) {
      out.write(b);
    }
    for (int c = 0; c < 3; c++) {
      for (int p = 0; p < 1024; p++) {
        out.write((c * 7 + p + seed) & 0xFF);
      }
    }
    return out.toByteArray();
  }

  private Path write(String name, byte[]... records) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] r : records) {
      out.write(r);
    }
    Path file = dir.resolve(name);
    Files.write(file, out.toByteArray());
    return file;
  }

  @Test
  void read_cifar10_pixelsChwAndLabels() throws IOException {
    Path batch = write("data_batch_1.bin", record(0, 3), record(5, 9));
    ImageDataset data =
        CifarReader.read(List.of(batch), CifarFormat.CIFAR10, ImageTransform.scaleOnly(32, 3), false);
    assertThat(data.size()).isEqualTo(2);
    assertThat(data.label(0)).isEqualTo(3);
    assertThat(data.label(1)).isEqualTo(9);
    float[] pixels = data.get(1).pixels();
    // channel 2 (blue), row 3, column 4 -> p = 3*32+4 = 100
    assertThat(pixels[2 * 1024 + 100]).isEqualTo(((2 * 7 + 100 + 5) & 0xFF) / 255f);
    assertThat(data.labels().names()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
  }

  @Test
  void read_cifar10_labelNamesFromMetaFile() throws IOException {
    Path batch = write("test_batch.bin", record(0, 1));
    Files.writeString(
        dir.resolve("batches.meta.txt"),
        "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
    ImageDataset data =
        CifarReader.read(List.of(batch), CifarFormat.CIFAR10, ImageTransform.scaleOnly(32, 3), false);
    assertThat(data.labels().name(data.label(0))).isEqualTo("automobile");
  }

  @Test
  void read_cifar100_fineAndCoarseLabels() throws IOException {
    Path train = write("train.bin", record(1, 11, 87));
    ImageTransform t = ImageTransform.scaleOnly(32, 3);
    assertThat(CifarReader.read(List.of(train), CifarFormat.CIFAR100_FINE, t, false).label(0)).isEqualTo(87);
    assertThat(CifarReader.read(List.of(train), CifarFormat.CIFAR100_COARSE, t, false).label(0)).isEqualTo(11);
  }

  @Test
  void read_wrongFileSize_throwsNamingRecordSize() throws IOException {
    Path batch = write("train.bin", record(0, 1, 2));
    assertThatThrownBy(
            () -> CifarReader.read(List.of(batch), CifarFormat.CIFAR10, ImageTransform.scaleOnly(32, 3), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3074 bytes is not a positive multiple of the 3073-byte CIFAR10 record");
  }

  @Test
  void read_labelOutOfRange_throwsWithRecord_orIsSkipped() throws IOException {
    Path batch = write("data_batch_2.bin", record(0, 2), record(0, 12), record(0, 4));
    ImageTransform t = ImageTransform.scaleOnly(32, 3);
    assertThatThrownBy(() -> CifarReader.read(List.of(batch), CifarFormat.CIFAR10, t, false))
        .isInstanceOf(MalformedRowException.class)
        .hasMessageContaining("record 2 (byte offset 3073): label 12 is outside 0..9");
    ImageDataset data = CifarReader.read(List.of(batch), CifarFormat.CIFAR10, t, true);
    assertThat(data.size()).isEqualTo(2);
    assertThat(data.skipped().skipped()).isEqualTo(1);
  }

  @Test
  void get_resizedForModel_hasModelLength() throws IOException {
    Path batch = write("data_batch_3.bin", record(0, 0));
    ImageDataset data =
        CifarReader.read(List.of(batch), CifarFormat.CIFAR10, ImageTransform.scaleOnly(32, 3), false)
            .withTransform(ImageTransform.uniform(16, 3, 0.5f, 0.5f));
    assertThat(data.get(0).pixels()).hasSize(3 * 16 * 16);
  }
}
