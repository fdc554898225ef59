package io.dpft.data.datasets.image;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder of images laid out one sub-folder per class ({@code root/cat/001.png}), as
 * torchvision's {@code ImageFolder}: classes are the sub-folder names sorted by {@link
 * String#compareTo}; files are read in name order; hidden files (starting with '.') are ignored.
 * Images are decoded with ImageIO (PNG, JPEG, BMP, GIF, WBMP); gray images keep one channel, all
 * others are read as RGB (alpha dropped). A file ImageIO cannot decode is a malformed row.
 */
public final class ImageFolderReader {
  private ImageFolderReader() {}

  public static ImageDataset read(Path root, ImageTransform transform, boolean skipBadRows) {
    List<Path> classDirs = list(root).filter(Files::isDirectory).toList();
    if (classDirs.isEmpty()) {
      throw new IllegalArgumentException(
          root + ": no class sub-folders; expected root/<class>/<image file>");
    }
    BadRows bad = new BadRows(skipBadRows);
    List<String> classNames = new ArrayList<>();
    List<RawImage> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = classNames.size();
      classNames.add(dir.getFileName().toString());
      for (Path file : list(dir).filter(Files::isRegularFile).toList()) {
        try {
          images.add(decode(file));
          labels.add(label);
        } catch (MalformedRowException e) {
          bad.report(e);
        }
      }
    }
    return new ImageDataset(
        root.toString(),
        images,
        labels.stream().mapToInt(Integer::intValue).toArray(),
        new LabelVocabulary(classNames),
        bad.toReport(),
        transform);
  }

  private static Stream<Path> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e, e);
    }
  }

  private static RawImage decode(Path file) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new MalformedRowException(file.toString(), 0, 0, "cannot decode image: " + e.getMessage());
    }
    if (image == null) {
      throw new MalformedRowException(
          file.toString(), 0, 0, "not an image format ImageIO can read (PNG, JPEG, BMP, GIF, WBMP)");
    }
    boolean gray =
        image.getColorModel().getNumColorComponents() == 1
            && !(image.getColorModel() instanceof IndexColorModel);
    return gray ? grayChannel(image) : RawImage.fromRgb(image, 3);
  }

  /** The raw gray samples, scaled to 8 bits (getRGB would apply a gamma conversion to linear gray). */
  private static RawImage grayChannel(BufferedImage image) {
    Raster raster = image.getRaster();
    int h = image.getHeight();
    int w = image.getWidth();
    int max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
    byte[] px = new byte[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = (byte) Math.round(raster.getSample(x, y, 0) * 255.0 / max);
      }
    }
    return new RawImage(px, 1, h, w);
  }
}
