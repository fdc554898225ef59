package io.dpft.data.datasets.image;

import static io.dpft.data.datasets.image.IdxReaderTest.idx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.LabelVocabulary;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
  private static final ImageTransform GRAY_2 = ImageTransform.scaleOnly(2, 1);

  @TempDir Path dir;

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    return IdxReaderTest.write(dir, name, content, gzip);
  }

  private Path idxImages(String name, int n, boolean gzip) throws IOException {
    byte[] pixels = new byte[n * 4];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 11);
    }
    return write(name, idx(0x08, new int[] {n, 2, 2}, pixels), gzip);
  }

  @Test
  void read_gzipIdxImages_findsRawLabelsByMnistNaming() throws IOException {
    Path images = idxImages("t10k-images-idx3-ubyte.gz", 3, true);
    write("t10k-labels-idx1-ubyte", idx(0x08, new int[] {3}, new byte[] {4, 0, 2}), false);
    ImageDataset data = ImageFiles.read(images, GRAY_2);
    assertThat(data.size()).isEqualTo(3);
    assertThat(data.labels()).isEqualTo(LabelVocabulary.of("0", "1", "2", "3", "4"));
    assertThat(data.label(0)).isEqualTo(4);
    assertThat(data.raw(1).pixels()).containsExactly((byte) 44, (byte) 55, (byte) 66, (byte) 77);
  }

  @Test
  void read_idxWithoutLabelsFile_saysWhichFileIsExpected() throws IOException {
    Path images = idxImages("train-images.idx3-ubyte", 2, false);
    assertThatThrownBy(() -> ImageFiles.read(images, GRAY_2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("train-labels.idx1-ubyte").toString())
        .hasMessageContaining("MNIST naming convention");
  }

  @Test
  void read_idxLabelsFile_asksForTheImagesFile() throws IOException {
    Path labels = write("train-labels-idx1-ubyte", idx(0x08, new int[] {1}, new byte[] {0}), false);
    assertThatThrownBy(() -> ImageFiles.read(labels, GRAY_2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("IDX labels file");
  }

  @Test
  void read_cifar10AndCifar100_knownByRecordSize() throws IOException {
    Path cifar10 = write("c10.bin", concat(CifarReaderTest.record(1, 7), CifarReaderTest.record(2, 3)), false);
    ImageDataset ten = ImageFiles.read(cifar10, ImageTransform.scaleOnly(32, 3));
    assertThat(ten.labels().size()).isEqualTo(10);
    assertThat(ten.label(0)).isEqualTo(7);
    Path cifar100 = write("c100.bin", CifarReaderTest.record(1, 2, 57), false);
    ImageDataset hundred = ImageFiles.read(cifar100, ImageTransform.scaleOnly(32, 3));
    assertThat(hundred.labels().size()).isEqualTo(100);
    assertThat(hundred.label(0)).isEqualTo(57);
  }

  @Test
  void read_folderOfClassFolders_readsPngs() throws IOException {
    Files.createDirectories(dir.resolve("cats"));
    BufferedImage image = new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB);
    image.setRGB(1, 1, 0xff0000);
    ImageIO.write(image, "png", dir.resolve("cats/a.png").toFile());
    ImageDataset data = ImageFiles.read(dir, ImageTransform.scaleOnly(3, 3));
    assertThat(data.labels()).isEqualTo(LabelVocabulary.of("cats"));
    assertThat(data.raw(0).pixels()[4]).isEqualTo((byte) 0xff); // red plane, centre pixel
  }

  @Test
  void read_unknownFormat_namesTheFormatsThereAre() throws IOException {
    Path text = write("notes.txt", "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    assertThatThrownBy(() -> ImageFiles.read(text, GRAY_2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown image data format")
        .hasMessageContaining(text.toString())
        .hasMessageContaining("IDX").hasMessageContaining("CIFAR-10");
  }

  @Test
  void read_missingPath_throwsNamingIt() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ImageFiles.read(missing, GRAY_2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing + " does not exist");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
