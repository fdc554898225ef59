package io.dpft.data.batching;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs a logical batch of {@link CausalLmExample}s into length-bucketed physical batches (see
 * {@link LengthBuckets}). Each row is prompt then target, cut at {@code maxLength} tokens, padded
 * at the end; labels are the target tokens at their positions and {@link CausalLmBatch#IGNORE}
 * elsewhere.
 */
public final class CausalLmCollator {
  private final List<CausalLmExample> examples;
  private final int maxPhysicalBatchSize;
  private final int maxLength;
  private final long padId;
  private final long seed;

  public CausalLmCollator(
      List<CausalLmExample> examples, int maxPhysicalBatchSize, int maxLength, long padId, long seed) {
    LengthBuckets.checkMaxPhysicalBatchSize(maxPhysicalBatchSize);
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
    }
    this.examples = List.copyOf(examples);
    this.maxPhysicalBatchSize = maxPhysicalBatchSize;
    this.maxLength = maxLength;
    this.padId = padId;
    this.seed = seed;
  }

  /** The physical batches of {@code logicalBatch} (dataset indices); none for an empty one. */
  public List<CausalLmBatch> collate(int[] logicalBatch) {
    LengthBuckets.checkIndices(logicalBatch, examples.size());
    List<CausalLmBatch> batches = new ArrayList<>();
    for (int[] rows :
        LengthBuckets.split(logicalBatch, this::rowLength, maxPhysicalBatchSize, seed)) {
      batches.add(pack(rows));
    }
    return batches;
  }

  private int rowLength(int index) {
    return Math.min(maxLength, examples.get(index).length());
  }

  private CausalLmBatch pack(int[] rows) {
    int b = rows.length;
    int t = Arrays.stream(rows).map(this::rowLength).max().orElse(0);
    long[] ids = new long[b * t];
    long[] mask = new long[b * t];
    long[] labels = new long[b * t];
    Arrays.fill(ids, padId);
    Arrays.fill(labels, CausalLmBatch.IGNORE);
    for (int r = 0; r < b; r++) {
      CausalLmExample example = examples.get(rows[r]);
      int n = rowLength(rows[r]);
      int promptLength = Math.min(n, example.promptIds().length);
      System.arraycopy(example.promptIds(), 0, ids, r * t, promptLength);
      System.arraycopy(example.targetIds(), 0, ids, r * t + promptLength, n - promptLength);
      System.arraycopy(example.targetIds(), 0, labels, r * t + promptLength, n - promptLength);
      Arrays.fill(mask, r * t, r * t + n, 1L);
    }
    return new CausalLmBatch(b, t, ids, mask, labels, rows.clone());
  }
}
