package io.dpft.data.batching;

import io.dpft.data.tokenize.TokenEncoding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs a logical batch of text examples into length-bucketed physical batches (see {@link
 * LengthBuckets}): each physical batch holds at most {@code maxPhysicalBatchSize} examples and is
 * padded, at the end of each row, to its own longest example.
 */
public final class TextCollator {
  private final EncodedTextDataset data;
  private final int maxPhysicalBatchSize;
  private final long padId;
  private final long seed;

  public TextCollator(EncodedTextDataset data, int maxPhysicalBatchSize, long padId, long seed) {
    LengthBuckets.checkMaxPhysicalBatchSize(maxPhysicalBatchSize);
    this.data = data;
    this.maxPhysicalBatchSize = maxPhysicalBatchSize;
    this.padId = padId;
    this.seed = seed;
  }

  /** The physical batches of {@code logicalBatch} (dataset indices); none for an empty one. */
  public List<TextBatch> collate(int[] logicalBatch) {
    LengthBuckets.checkIndices(logicalBatch, data.size());
    List<TextBatch> batches = new ArrayList<>();
    for (int[] rows :
        LengthBuckets.split(
            logicalBatch, i -> data.encodings().get(i).length(), maxPhysicalBatchSize, seed)) {
      batches.add(pack(rows));
    }
    return batches;
  }

  private TextBatch pack(int[] rows) {
    int b = rows.length;
    int t = 0;
    for (int row : rows) {
      t = Math.max(t, data.encodings().get(row).length());
    }
    long[] ids = new long[b * t];
    long[] mask = new long[b * t];
    long[] types = new long[b * t];
    long[] labels = new long[b];
    Arrays.fill(ids, padId);
    for (int r = 0; r < b; r++) {
      TokenEncoding encoding = data.encodings().get(rows[r]);
      int n = encoding.length();
      System.arraycopy(encoding.ids(), 0, ids, r * t, n);
      System.arraycopy(encoding.typeIds(), 0, types, r * t, n);
      Arrays.fill(mask, r * t, r * t + n, 1L);
      labels[r] = data.label(rows[r]);
    }
    return new TextBatch(b, t, ids, mask, types, labels, rows.clone());
  }
}
