package io.dpft.data.datasets.image;

/**
 * The CIFAR binary formats (Krizhevsky, 2009, "Learning Multiple Layers of Features from Tiny
 * Images", and the "binary version" on the dataset's page): records of label byte(s) then 3072
 * pixel bytes, 1024 red, 1024 green, 1024 blue, each a 32×32 image row by row.
 */
public enum CifarFormat {
  /** {@code data_batch_1.bin} … {@code test_batch.bin}: one label byte (0–9). */
  CIFAR10(1, 0, 10, "batches.meta.txt"),
  /** CIFAR-100 {@code train.bin}/{@code test.bin} with the fine label (second byte, 0–99). */
  CIFAR100_FINE(2, 1, 100, "fine_label_names.txt"),
  /** CIFAR-100 with the coarse label (first byte, 0–19). */
  CIFAR100_COARSE(2, 0, 20, "coarse_label_names.txt");

  static final int SIDE = 32;
  static final int PIXELS = 3 * SIDE * SIDE;

  private final int labelBytes;
  private final int labelOffset;
  private final int classes;
  private final String namesFile;

  CifarFormat(int labelBytes, int labelOffset, int classes, String namesFile) {
    this.labelBytes = labelBytes;
    this.labelOffset = labelOffset;
    this.classes = classes;
    this.namesFile = namesFile;
  }

  public int recordBytes() {
    return labelBytes + PIXELS;
  }

  int labelOffset() {
    return labelOffset;
  }

  public int classes() {
    return classes;
  }

  /** The label-names file shipped beside the batches, one name per line. */
  public String namesFile() {
    return namesFile;
  }
}
