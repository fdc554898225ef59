package io.dpft.data.batching;

/**
 * One physical batch of text: {@code batchSize} rows padded to {@code seqLength}, each array
 * flattened row-major ([B*T]; labels [B]). Padding is at the end of each row with attention mask
 * 0. {@code indices[b]} is the dataset index of row b.
 */
public record TextBatch(
    int batchSize,
    int seqLength,
    long[] inputIds,
    long[] attentionMask,
    long[] tokenTypeIds,
    long[] labels,
    int[] indices) {
  public TextBatch {
    int cells = batchSize * seqLength;
    if (inputIds.length != cells || attentionMask.length != cells || tokenTypeIds.length != cells) {
      throw new IllegalArgumentException(
          "inputIds, attentionMask and tokenTypeIds must hold batchSize*seqLength = " + cells + " values");
    }
    if (labels.length != batchSize || indices.length != batchSize) {
      throw new IllegalArgumentException("labels and indices must hold batchSize = " + batchSize + " values");
    }
  }
}
