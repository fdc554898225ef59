package io.dpft.data.batching;

/**
 * One physical batch for causal LM training, flattened row-major [B*T]: input ids, attention mask
 * and labels aligned with the inputs (Hugging Face convention: the model shifts them by one), with
 * {@link #IGNORE} on prompt and padding positions so that only target tokens count in the loss.
 */
public record CausalLmBatch(
    int batchSize, int seqLength, long[] inputIds, long[] attentionMask, long[] labels, int[] indices) {
  /** Label of a position that is not predicted (PyTorch's cross-entropy ignore_index). */
  public static final long IGNORE = -100;

  public CausalLmBatch {
    int cells = batchSize * seqLength;
    if (inputIds.length != cells || attentionMask.length != cells || labels.length != cells) {
      throw new IllegalArgumentException(
          "inputIds, attentionMask and labels must hold batchSize*seqLength = " + cells + " values");
    }
    if (indices.length != batchSize) {
      throw new IllegalArgumentException("indices must hold batchSize = " + batchSize + " values");
    }
  }
}
