package io.dpft.core.models;

import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A padded batch of token sequences as int64 tensors, the input of every text model.
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

  /**
   * Copies Java arrays into int64 tensors owned by the current {@code PointerScope}.
   *
   * @param tokenTypeIds segment ids, or null for all zeros
   * @throws IllegalArgumentException when rows differ in length or a mask entry is not 0 or 1
   */
  public static TokenBatch of(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {
    int batch = inputIds.length;
    int length = batch == 0 ? 0 : inputIds[0].length;
    if (batch == 0 || length == 0) {
      throw new IllegalArgumentException("inputIds must hold at least one non-empty sequence, got "
          + batch + " rows of length " + length);
    }
    long[] ids = flatten("inputIds", inputIds, batch, length);
    long[] mask = flatten("attentionMask", attentionMask, batch, length);
    for (long m : mask) {
      if (m != 0 && m != 1) {
        throw new IllegalArgumentException("attentionMask entries must be 0 or 1, got " + m);
      }
    }
    return new TokenBatch(
        Tensor.create(ids, batch, length),
        Tensor.create(mask, batch, length),
        tokenTypeIds == null ? null
            : Tensor.create(flatten("tokenTypeIds", tokenTypeIds, batch, length), batch, length));
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
