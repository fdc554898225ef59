package io.dpft.data.datasets.builtin;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.image.IdxReader;
import io.dpft.data.datasets.image.IdxReader.IdxArray;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * {@code fashion-mnist} (Xiao, Rasul and Vollgraf, 2017, "Fashion-MNIST: a Novel Image Dataset for
 * Benchmarking Machine Learning Algorithms"; MIT licence): 28×28 gray images of 10 clothing
 * classes, 60,000 for training and 10,000 for testing, 6,000 and 1,000 per class. Read from the
 * Debian package {@code dataset-fashion-mnist} (IDX files, gzip, in {@value #DEBIAN_DIR}); the
 * SHA-256 of each decompressed IDX file is checked (so a recompressed package still passes).
 */
public final class FashionMnistDataset {
  /** The name {@code dpft train --dataset} knows it by. */
  public static final String NAME = "fashion-mnist";
  public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
  public static final String INSTALL_COMMAND = "sudo apt-get install dataset-fashion-mnist";
  public static final LabelVocabulary LABELS =
      LabelVocabulary.of(
          "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
          "Ankle boot");

  /** A gzip IDX file and the SHA-256 of its decompressed content. */
  record IdxFile(String name, String sha256) {}

  static final IdxFile TRAIN_IMAGES =
      new IdxFile(
          "train-images-idx3-ubyte.gz",
          "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
  static final IdxFile TRAIN_LABELS =
      new IdxFile(
          "train-labels-idx1-ubyte.gz",
          "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");
  static final IdxFile TEST_IMAGES =
      new IdxFile(
          "t10k-images-idx3-ubyte.gz",
          "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");
  static final IdxFile TEST_LABELS =
      new IdxFile(
          "t10k-labels-idx1-ubyte.gz",
          "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

  private FashionMnistDataset() {}

  /** Whether the four IDX files are in {@code dir}. */
  public static boolean isInstalled(Path dir) {
    return List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS).stream()
        .allMatch(f -> Files.isRegularFile(dir.resolve(f.name())));
  }

  /**
   * The fixed splits: the 10,000 test images, and the 60,000 training images with a validation
   * part carved out by {@link HashSplit} (about 6,000; the rest train).
   */
  public static DatasetSplits<ImageDataset> splits(ImageTransform transform) {
    return HashSplit.split(train(transform), test(transform));
  }

  /**
   * The validation part of {@link #splits} without reading the test images: which training images
   * {@link HashSplit} carves out for validation does not depend on the test set.
   */
  public static ImageDataset validation(ImageTransform transform) {
    return HashSplit.split(train(transform), null).validation();
  }

  /** The 60,000 training images from the Debian package's folder. */
  public static ImageDataset train(ImageTransform transform) {
    return train(Path.of(DEBIAN_DIR), transform);
  }

  /** The 10,000 test images from the Debian package's folder. */
  public static ImageDataset test(ImageTransform transform) {
    return test(Path.of(DEBIAN_DIR), transform);
  }

  public static ImageDataset train(Path dir, ImageTransform transform) {
    return read(dir, TRAIN_IMAGES, TRAIN_LABELS, transform);
  }

  public static ImageDataset test(Path dir, ImageTransform transform) {
    return read(dir, TEST_IMAGES, TEST_LABELS, transform);
  }

  private static ImageDataset read(
      Path dir, IdxFile images, IdxFile labels, ImageTransform transform) {
    if (!isInstalled(dir)) {
      throw new DatasetUnavailableException(
          "Fashion-MNIST is not installed: "
              + dir
              + " lacks the IDX files. Install the Debian package with\n  "
              + INSTALL_COMMAND);
    }
    Path imagesPath = dir.resolve(images.name());
    Path labelsPath = dir.resolve(labels.name());
    return IdxReader.toDataset(
        imagesPath.toString(),
        readChecked(imagesPath, images.sha256()),
        labelsPath.toString(),
        readChecked(labelsPath, labels.sha256()),
        LABELS,
        transform,
        false);
  }

  private static IdxArray readChecked(Path file, String expectedSha256) {
    MessageDigest digest = Sha256.newDigest();
    try (InputStream raw = Files.newInputStream(file);
        InputStream content = new DigestInputStream(new GZIPInputStream(raw, 1 << 16), digest)) {
      IdxArray array = IdxReader.readArray(file.toString(), content);
      String actual = Sha256.hex(digest.digest());
      if (!actual.equals(expectedSha256)) {
        throw new IllegalStateException(
            file
                + ": decompressed SHA-256 "
                + actual
                + ", expected "
                + expectedSha256
                + "; reinstall with sudo apt-get install --reinstall dataset-fashion-mnist");
      }
      return array;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e, e);
    }
  }
}
