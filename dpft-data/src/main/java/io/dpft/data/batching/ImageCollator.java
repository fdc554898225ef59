package io.dpft.data.batching;

import io.dpft.data.datasets.ImageExample;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs a logical batch of images into physical batches of at most {@code maxPhysicalBatchSize},
 * in the order given (all images have the transform's size, so there is nothing to bucket).
 */
public final class ImageCollator {
  private final ImageDataset data;
  private final int maxPhysicalBatchSize;

  public ImageCollator(ImageDataset data, int maxPhysicalBatchSize) {
    LengthBuckets.checkMaxPhysicalBatchSize(maxPhysicalBatchSize);
    this.data = data;
    this.maxPhysicalBatchSize = maxPhysicalBatchSize;
  }

  /** The physical batches of {@code logicalBatch} (dataset indices); none for an empty one. */
  public List<ImageBatch> collate(int[] logicalBatch) {
    LengthBuckets.checkIndices(logicalBatch, data.size());
    ImageTransform transform = data.transform();
    int side = transform.imageSize();
    int length = transform.outputLength();
    List<ImageBatch> batches = new ArrayList<>();
    for (int[] rows : LengthBuckets.inOrder(logicalBatch, maxPhysicalBatchSize)) {
      float[] pixels = new float[rows.length * length];
      long[] labels = new long[rows.length];
      for (int r = 0; r < rows.length; r++) {
        ImageExample example = data.get(rows[r]);
        System.arraycopy(example.pixels(), 0, pixels, r * length, length);
        labels[r] = example.label();
      }
      batches.add(
          new ImageBatch(rows.length, transform.channels(), side, side, pixels, labels, rows.clone()));
    }
    return batches;
  }
}
