package io.dpft.core.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Additive float masks for {@link MultiHeadSelfAttention}: 0 where a query may attend to a key,
 * {@link #MASKED} where it may not. Added to the scores before the softmax, a masked key gets
 * weight {@code exp(-1e9) = 0}; unlike {@code -inf}, a row with every key masked stays finite.
 */
public final class AttentionMask {
  /** The score offset of a masked key. */
  public static final double MASKED = -1e9;

  private AttentionMask() {}

  /**
   * Keys that are padding may not be attended to: attention mask {@code (B, T)} with 1 = token,
   * 0 = padding (any integer or float type) {@code -> (B, 1, 1, T)} float.
   */
  public static Tensor padding(Tensor attentionMask) {
    Tensor keep = attentionMask.to(torch.ScalarType.Float);
    Tensor additive = keep.sub(new Scalar(1.0)).mul(new Scalar(-MASKED)); // 0 or MASKED
    return additive.view(attentionMask.size(0), 1, 1, attentionMask.size(1));
  }

  /** Query {@code t} may attend to keys {@code s <= t} only: {@code (1, 1, T, T)} float. */
  public static Tensor causal(long length) {
    Tensor masked = torch.full(new long[] {length, length}, new Scalar(MASKED),
        new TensorOptions(torch.ScalarType.Float));
    return torch.triu(masked, 1).view(1, 1, length, length); // MASKED above the diagonal
  }

  /** Causal and padding masks together: attention mask {@code (B, T) -> (B, 1, T, T)} float. */
  public static Tensor causalWithPadding(Tensor attentionMask) {
    return causal(attentionMask.size(1)).add(padding(attentionMask));
  }
}
