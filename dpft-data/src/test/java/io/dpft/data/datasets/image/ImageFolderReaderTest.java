package io.dpft.data.datasets.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderReaderTest {
  @TempDir Path root;

  private void png(String path, BufferedImage image) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    assertThat(ImageIO.write(image, "png", file.toFile())).isTrue();
  }

  private static BufferedImage rgb() {
    BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        image.setRGB(x, y, (10 * x << 16) | (20 * y << 8) | 30 + x + y);
      }
    }
    return image;
  }

  private static BufferedImage gray() {
    BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
    int[] values = {0, 64, 128, 255};
    for (int i = 0; i < 4; i++) {
      image.getRaster().setSample(i % 2, i / 2, 0, values[i]);
    }
    return image;
  }

  @Test
  void read_classesSortedAndPixelsExact() throws IOException {
    png("dog/b.png", gray());
    png("cat/a.png", rgb());
    png("cat/c.png", rgb());
    ImageDataset data = ImageFolderReader.read(root, ImageTransform.scaleOnly(4, 3), false);
    assertThat(data.labels().names()).containsExactly("cat", "dog");
    assertThat(data.labelCounts()).containsExactly(2, 1);
    RawImage color = data.raw(0);
    assertThat(color.channels()).isEqualTo(3);
    // red of (x=2, y=1) = 20; green = 20; blue = 33; CHW with plane 6, index y*3+x = 5
    assertThat(color.pixels()[5] & 0xFF).isEqualTo(20);
    assertThat(color.pixels()[6 + 5] & 0xFF).isEqualTo(20);
    assertThat(color.pixels()[12 + 5] & 0xFF).isEqualTo(33);
    RawImage grayImage = data.raw(2);
    assertThat(grayImage.channels()).isEqualTo(1);
    assertThat(grayImage.pixels()).containsExactly(0, 64, (byte) 128, (byte) 255);
    assertThat(data.get(2).pixels()).hasSize(3 * 4 * 4);
  }

  @Test
  void read_undecodableFile_throwsNamingIt_orIsSkipped() throws IOException {
    png("cat/a.png", rgb());
    Path notes = root.resolve("cat/notes.txt");
    Files.writeString(notes, "not an image");
    assertThatThrownBy(() -> ImageFolderReader.read(root, ImageTransform.scaleOnly(2, 3), false))
        .hasMessageContaining(notes.toString())
        .hasMessageContaining("not an image format ImageIO can read");
    ImageDataset data = ImageFolderReader.read(root, ImageTransform.scaleOnly(2, 3), true);
    assertThat(data.size()).isEqualTo(1);
    assertThat(data.skipped().skipped()).isEqualTo(1);
  }

  @Test
  void read_noClassFolders_throws() {
    assertThatThrownBy(() -> ImageFolderReader.read(root, ImageTransform.scaleOnly(2, 3), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no class sub-folders");
  }
}
