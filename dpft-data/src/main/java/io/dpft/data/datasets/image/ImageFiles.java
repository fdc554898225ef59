package io.dpft.data.datasets.image;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.image.IdxReader.IdxArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads labelled images from one path, whose format is recognised from the content:
 *
 * <ul>
 *   <li>a folder: one sub-folder per class ({@link ImageFolderReader});
 *   <li>an IDX image file (MNIST style, raw or gzip; magic {@code 00 00 08 03}): its labels are the
 *       IDX file named by the MNIST convention, {@code images} → {@code labels} and {@code idx3}
 *       → {@code idx1} in the file name ({@code train-images-idx3-ubyte.gz} →
 *       {@code train-labels-idx1-ubyte.gz}), gzip or not; the label names are the numbers 0…max;
 *   <li>anything else is taken for a CIFAR binary batch ({@link CifarReader}): CIFAR-10 when its
 *       size is a multiple of the 3,073-byte record, CIFAR-100 (fine labels) when of the 3,074-byte
 *       one.
 * </ul>
 */
public final class ImageFiles {
  private static final int IDX_IMAGES_MAGIC = 0x00000803;
  private static final int IDX_LABELS_MAGIC = 0x00000801;

  private ImageFiles() {}

  /**
   * The images at {@code path}, turned into model inputs by {@code transform}.
   *
   * @throws IllegalArgumentException naming the path when it does not exist, its format is not
   *     one of the above, or an IDX file's labels file is not beside it
   */
  public static ImageDataset read(Path path, ImageTransform transform) {
    if (Files.isDirectory(path)) {
      return ImageFolderReader.read(path, transform, false);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("image data " + path + " does not exist");
    }
    int magic = idxMagic(path);
    if (magic == IDX_IMAGES_MAGIC) {
      return readIdx(path, transform);
    }
    if (magic == IDX_LABELS_MAGIC) {
      throw new IllegalArgumentException(path + " is an IDX labels file; pass the images file (*-images-idx3-ubyte) instead");
    }
    return CifarReader.read(List.of(path), cifarFormat(path), transform, false);
  }

  /** The IDX labels file of an IDX image file, by the MNIST naming convention. */
  static Path idxLabelsFile(Path images) {
    String name = images.getFileName().toString();
    int at = name.lastIndexOf("images");
    if (at < 0) {
      throw new IllegalArgumentException(
          "cannot find the labels of IDX image file " + images + ": its name has no 'images' to"
              + " replace by 'labels' (MNIST convention: train-images-idx3-ubyte ->"
              + " train-labels-idx1-ubyte)");
    }
    String labels = (name.substring(0, at) + "labels" + name.substring(at + "images".length()))
        .replace("idx3", "idx1");
    String other = labels.endsWith(".gz")
        ? labels.substring(0, labels.length() - ".gz".length()) : labels + ".gz";
    for (String candidate : List.of(labels, other)) {
      Path file = images.resolveSibling(candidate);
      if (Files.isRegularFile(file)) {
        return file;
      }
    }
    throw new IllegalArgumentException("the labels of IDX image file " + images + " are expected"
        + " in " + images.resolveSibling(labels) + " (MNIST naming convention), which does not exist");
  }

  private static ImageDataset readIdx(Path images, ImageTransform transform) {
    Path labelsFile = idxLabelsFile(images);
    IdxArray labels = IdxReader.readArray(labelsFile);
    int max = 0;
    for (byte label : labels.data()) {
      max = Math.max(max, label & 0xFF);
    }
    LabelVocabulary names = new LabelVocabulary(
        IntStream.rangeClosed(0, max).mapToObj(Integer::toString).toList());
    return IdxReader.toDataset(images.toString(), IdxReader.readArray(images),
        labelsFile.toString(), labels, names, transform, false);
  }

  private static CifarFormat cifarFormat(Path file) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e, e);
    }
    List<CifarFormat> fits = new ArrayList<>();
    for (CifarFormat format : List.of(CifarFormat.CIFAR10, CifarFormat.CIFAR100_FINE)) {
      if (size > 0 && size % format.recordBytes() == 0) {
        fits.add(format);
      }
    }
    if (fits.size() != 1) {
      throw new IllegalArgumentException("unknown image data format: " + file + " (" + size
          + " bytes) is not an IDX image file, a CIFAR-10 batch (records of "
          + CifarFormat.CIFAR10.recordBytes() + " bytes) or a CIFAR-100 batch (records of "
          + CifarFormat.CIFAR100_FINE.recordBytes() + " bytes); a folder must hold one"
          + " sub-folder of images per class");
    }
    return fits.get(0);
  }

  /** The first four bytes as a big-endian int (after gunzip when gzip), or -1 when shorter. */
  private static int idxMagic(Path file) {
    try (InputStream in = IdxReader.gunzipIfGzipped(Files.newInputStream(file))) {
      byte[] head = in.readNBytes(4);
      return head.length < 4 ? -1
          : ((head[0] & 0xFF) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8)
              | (head[3] & 0xFF);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read image data " + file + ": " + e.getMessage(), e);
    }
  }
}
