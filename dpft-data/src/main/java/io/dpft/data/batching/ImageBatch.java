package io.dpft.data.batching;

/**
 * One physical batch of images: pixels flattened row-major [B*C*H*W] (already resized and
 * normalised), labels [B], and {@code indices[b]} the dataset index of image b.
 */
public record ImageBatch(
    int batchSize, int channels, int height, int width, float[] pixels, long[] labels, int[] indices) {
  public ImageBatch {
    if (pixels.length != batchSize * channels * height * width) {
      throw new IllegalArgumentException(
          "pixels must hold batchSize*channels*height*width = "
              + batchSize * channels * height * width
              + " values, got "
              + pixels.length);
    }
    if (labels.length != batchSize || indices.length != batchSize) {
      throw new IllegalArgumentException("labels and indices must hold batchSize = " + batchSize + " values");
    }
  }
}
