package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Table lookup {@code z_{i,t} = E[id_{i,t}]}: int64 ids {@code (B, ...) -> (B, ..., d)}.
 *
 * <p>The per-sample gradient of {@code E} adds {@code g_{i,t}} into row {@code id_{i,t}}; its
 * squared norm is a ghost norm with a token-equality mask (Li et al., ICLR 2022, appendix on
 * embeddings). The tape records the ids while {@code E} is trainable. Row {@link #paddingIdx()},
 * if any, never receives gradient, as in torch.
 */
public class Embedding extends DpLayer {
  /** No padding row. */
  public static final long NO_PADDING = -1;

  private final long paddingIdx;

  /** A table without padding row; entries ~ N(0, 0.02²). */
  public Embedding(long numEmbeddings, long dim) {
    this(numEmbeddings, dim, NO_PADDING);
  }

  /**
   * A table whose row {@code paddingIdx} ({@link #NO_PADDING} for none) gets no gradient; entries ~
   * N(0, 0.02²).
   */
  public Embedding(long numEmbeddings, long dim, long paddingIdx) {
    super(Parameter.normal(ParameterKind.EMBEDDING, Init.STD,
        Init.positive("numEmbeddings", numEmbeddings), Init.positive("dim", dim)), null);
    if (paddingIdx != NO_PADDING && (paddingIdx < 0 || paddingIdx >= numEmbeddings)) {
      throw new IllegalArgumentException("paddingIdx must be in [0, " + numEmbeddings
          + ") or NO_PADDING (-1), got " + paddingIdx);
    }
    this.paddingIdx = paddingIdx;
  }

  /** int64 ids {@code (B, ...) -> (B, ..., d)}; every row of the batch needs its own ids. */
  public Tensor forward(Tensor ids) {
    Tape tape = recordingTape();
    Tensor z = torch.embedding(weight().tensor(), ids, paddingIdx, false, false);
    return record(tape, z, ids);
  }

  /** The row that never receives gradient, or {@link #NO_PADDING}. */
  public long paddingIdx() {
    return paddingIdx;
  }
}
