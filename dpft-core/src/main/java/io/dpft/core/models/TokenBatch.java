package io.dpft.core.models;

import io.dpft.data.batching.TextBatch;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A padded batch of token sequences as int64 tensors, the input of every text model. The
 * factories copy Java arrays into tensors owned by the current {@code PointerScope}.
 *
 * @param inputIds {@code (B, T)} token ids
 * @param attentionMask {@code (B, T)}, 1 for tokens and 0 for padding
 * @param tokenTypeIds {@code (B, T)} segment ids, or null for all zeros
 */
public record TokenBatch(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds) {
  public TokenBatch {
    Objects.requireNonNull(inputIds, "inputIds");
    Objects.requireNonNull(attentionMask, "attentionMask");
    if (inputIds.dim() != 2) {
      throw new IllegalArgumentException("inputIds must be (batch, length), got shape "
          + Arrays.toString(inputIds.shape()));
    }
    sameShape("attentionMask", attentionMask, inputIds);
    if (tokenTypeIds != null) {
      sameShape("tokenTypeIds", tokenTypeIds, inputIds);
    }
  }

  /** The collated batch of the data module. */
  public static TokenBatch of(TextBatch batch) {
    return of(batch.batchSize(), batch.seqLength(), batch.inputIds(), batch.attentionMask(),
        batch.tokenTypeIds());
  }

  /**
   * Row-major arrays of {@code batchSize × length} entries.
   *
   * @param tokenTypeIds segment ids, or null for all zeros
   * @throws IllegalArgumentException when an array has the wrong size or a mask entry is not 0 or 1
   */
  public static TokenBatch of(int batchSize, int length, long[] inputIds, long[] attentionMask,
      long[] tokenTypeIds) {
    if (batchSize < 1 || length < 1) {
      throw new IllegalArgumentException("batchSize and length must be >= 1, got " + batchSize
          + " and " + length);
    }
    checkSize("inputIds", inputIds, batchSize, length);
    checkSize("attentionMask", attentionMask, batchSize, length);
    for (long m : attentionMask) {
      if (m != 0 && m != 1) {
        throw new IllegalArgumentException("attentionMask entries must be 0 or 1, got " + m);
      }
    }
    Tensor types = null;
    if (tokenTypeIds != null) {
      checkSize("tokenTypeIds", tokenTypeIds, batchSize, length);
      types = Tensor.create(tokenTypeIds, batchSize, length);
    }
    return new TokenBatch(Tensor.create(inputIds, batchSize, length),
        Tensor.create(attentionMask, batchSize, length), types);
  }

  /**
   * One row per sequence, all of the same length.
   *
   * @param tokenTypeIds segment ids, or null for all zeros
   * @throws IllegalArgumentException when rows differ in length or a mask entry is not 0 or 1
   */
  public static TokenBatch of(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {
    int batch = inputIds.length;
    int length = batch == 0 ? 0 : inputIds[0].length;
    return of(batch, length, flatten("inputIds", inputIds, batch, length),
        flatten("attentionMask", attentionMask, batch, length),
        tokenTypeIds == null ? null : flatten("tokenTypeIds", tokenTypeIds, batch, length));
  }

  /** {@link #of(long[][], long[][], long[][])} without token types. */
  public static TokenBatch of(long[][] inputIds, long[][] attentionMask) {
    return of(inputIds, attentionMask, null);
  }

  public long batchSize() {
    return inputIds.size(0);
  }

  public long length() {
    return inputIds.size(1);
  }

  private static void checkSize(String name, long[] values, int batchSize, int length) {
    if (values.length != batchSize * length) {
      throw new IllegalArgumentException(name + " must hold batchSize × length = " + batchSize
          + " × " + length + " values, got " + values.length);
    }
  }

  private static long[] flatten(String name, long[][] rows, int batch, int length) {
    if (rows.length != batch) {
      throw new IllegalArgumentException(name + " must have " + batch + " rows, got " + rows.length);
    }
    long[] flat = new long[batch * length];
    for (int i = 0; i < batch; i++) {
      if (rows[i].length != length) {
        throw new IllegalArgumentException(name + " rows must all have length " + length
            + " (pad the batch), row " + i + " has " + rows[i].length);
      }
      System.arraycopy(rows[i], 0, flat, i * length, length);
    }
    return flat;
  }

  private static void sameShape(String name, Tensor t, Tensor ids) {
    if (!Arrays.equals(t.shape(), ids.shape())) {
      throw new IllegalArgumentException(name + " must have the shape of inputIds "
          + Arrays.toString(ids.shape()) + ", got " + Arrays.toString(t.shape()));
    }
  }
}
