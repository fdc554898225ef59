package io.dpft.core.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head scaled dot-product self-attention without the output projection:
 * {@code softmax(q kᵀ/√d_h + mask) v} per head, heads concatenated (Vaswani et al., "Attention Is
 * All You Need", NeurIPS 2017). {@code (B, T, d) -> (B, T, d)}.
 *
 * <p>The output projection is not part of this module because checkpoints file it differently
 * (BERT/ViT {@code attention.output.dense}, GPT-2 {@code attn.c_proj}); {@link TransformerBlock}
 * places it. Attention has no parameters of its own, so the DP engine only sees its projections.
 */
public class MultiHeadSelfAttention extends Module {
  /** How queries, keys and values are projected, and the children's names. */
  public enum QkvProjection {
    /** Three {@link Linear}s {@code query}, {@code key}, {@code value} (BERT, RoBERTa, ViT). */
    SEPARATE,
    /** One {@link Linear} {@code c_attn} to {@code 3d}, split into q, k, v (GPT-2). */
    COMBINED
  }

  private final int hiddenSize;
  private final int numHeads;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear combined;
  private final double dropout;

  /**
   * @param attentionDropout dropout on the attention probabilities, applied in training mode
   * @param layout the weight layout of the projections ({@link WeightLayout#IN_OUT} for GPT-2)
   */
  public MultiHeadSelfAttention(int hiddenSize, int numHeads, double attentionDropout,
      QkvProjection projection, WeightLayout layout) {
    if (numHeads < 1 || hiddenSize < 1 || hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException("hiddenSize must be a positive multiple of numHeads, got "
          + "hiddenSize=" + hiddenSize + ", numHeads=" + numHeads);
    }
    this.hiddenSize = hiddenSize;
    this.numHeads = numHeads;
    this.dropout = Dropout.checkProbability(attentionDropout);
    if (projection == QkvProjection.SEPARATE) {
      query = registerModule("query", new Linear(hiddenSize, hiddenSize, true, layout));
      key = registerModule("key", new Linear(hiddenSize, hiddenSize, true, layout));
      value = registerModule("value", new Linear(hiddenSize, hiddenSize, true, layout));
      combined = null;
    } else {
      combined = registerModule("c_attn", new Linear(hiddenSize, 3 * hiddenSize, true, layout));
      query = key = value = null;
    }
  }

  /**
   * @param x {@code (B, T, d)}
   * @param mask additive float mask broadcastable to {@code (B, heads, T, T)} (see
   *     {@link AttentionMask}), or null for none
   * @return {@code (B, T, d)}
   */
  public Tensor forward(Tensor x, Tensor mask) {
    return forward(x, mask, null);
  }

  /**
   * Attention for new tokens over cached and new keys (incremental decoding).
   *
   * @param x the new tokens {@code (B, T, d)}
   * @param mask additive float mask broadcastable to {@code (B, heads, T, T_past + T)}, or null
   * @param cache this layer's {@link KeyValueCache}: the new keys and values are appended to it;
   *     null for none
   * @return {@code (B, T, d)}
   */
  public Tensor forward(Tensor x, Tensor mask, KeyValueCache.Layer cache) {
    long batch = x.size(0);
    long length = x.size(1);
    Tensor q;
    Tensor k;
    Tensor v;
    if (combined != null) {
      Tensor[] qkv = combined.forward(x).split(hiddenSize, 2).get(); // 3 × (B, T, d)
      q = qkv[0];
      k = qkv[1];
      v = qkv[2];
    } else {
      q = query.forward(x);
      k = key.forward(x);
      v = value.forward(x);
    }
    Tensor keys = heads(k);
    Tensor values = heads(v);
    if (cache != null) {
      Tensor[] all = cache.append(keys, values); // (B, h, T_past + T, d_h)
      keys = all[0];
      values = all[1];
    }
    Tensor context = isTraining() && dropout > 0
        ? withDropout(heads(q), keys, values, mask)
        : torch.scaled_dot_product_attention(heads(q), keys, values,
            mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, false,
            new DoubleOptional(), false); // (B, h, T, d_h)
    return context.transpose(1, 2).reshape(batch, length, hiddenSize); // (B, T, d)
  }

  /**
   * {@code dropout(softmax(q kᵀ/√d_h + mask)) v}, written out. Without dropout libtorch's fused
   * kernel keeps nothing of size T² for backward; with dropout it falls back to a general path
   * (on MiniLM at batch 32 × 128, non-DP BiTFiT peaked at 2.3 GB with attention dropout and 1.7 GB
   * without). Written out, autograd keeps the probabilities, the boolean mask and the dropped
   * probabilities; the scaling and the mask are applied in place, the scores and the uniform draws
   * are freed as soon as they are used, and the masks are drawn by the faster {@link Dropout#apply}.
   */
  private Tensor withDropout(Tensor q, Tensor k, Tensor v, Tensor mask) {
    return NestedScope.result(() -> {
      Tensor scores = torch.matmul(q, k.transpose(-2, -1)); // (B, h, T, T_k)
      scores.mul_(new Scalar(1 / Math.sqrt((double) hiddenSize / numHeads)));
      if (mask != null) {
        scores.add_(mask);
      }
      return torch.matmul(Dropout.apply(torch.softmax(scores, -1), dropout), v);
    });
  }

  /** {@code (B, T, d) -> (B, h, T, d_h)}. */
  private Tensor heads(Tensor t) {
    return t.view(t.size(0), t.size(1), numHeads, hiddenSize / numHeads).transpose(1, 2);
  }

  public int numHeads() {
    return numHeads;
  }
}
