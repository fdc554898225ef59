package io.dpft.core.nn;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
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
        : fused(heads(q), keys, values, mask); // (B, h, T, d_h)
    return context.transpose(1, 2).reshape(batch, length, hiddenSize); // (B, T, d)
  }

  /**
   * {@code softmax(q kᵀ/√d_h + mask) v} by libtorch's fused kernel; under
   * {@link Precision#BF16} with q, k, v and the mask cast to bfloat16 (the CPU kernel accumulates
   * in float32) and the result cast back to float32.
   */
  private Tensor fused(Tensor q, Tensor k, Tensor v, Tensor mask) {
    if (precision() == Precision.FP32) {
      return scaledDotProduct(q, k, v, mask);
    }
    return NestedScope.result(() -> scaledDotProduct(bfloat16(q), bfloat16(k), bfloat16(v),
        mask == null ? null : bfloat16(mask)).to(torch.ScalarType.Float));
  }

  private static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor mask) {
    return torch.scaled_dot_product_attention(q, k, v,
        mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, false,
        new DoubleOptional(), false);
  }

  private static Tensor bfloat16(Tensor t) {
    return t.to(torch.ScalarType.BFloat16);
  }

  /**
   * {@code dropout(softmax(q kᵀ/√d_h + mask)) v}, written out. Without dropout libtorch's fused
   * kernel keeps nothing of size T² for backward; with dropout it falls back to a general path
   * that keeps the probabilities P, the boolean mask and the dropped probabilities (which raises a
   * step's peak memory; docs/performance.md).
   * Here the product runs without autograd and {@link DroppedAttention} is its backward, which
   * keeps P and the mask and forms the dropped probabilities again: one (B, h, T, T) float tensor
   * less per layer. The scores and the dropped probabilities are freed as soon as they are used,
   * and the masks are drawn by the faster {@link Dropout#keepMask}. Without a scope to own the
   * backward hooks, autograd differentiates the same formula.
   */
  private Tensor withDropout(Tensor q, Tensor k, Tensor v, Tensor mask) {
    DroppedAttention attention = new DroppedAttention(q, k, v, mask);
    PointerScope lasting = NestedScope.lasting();
    boolean differentiable = GradMode.is_enabled()
        && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    if (!differentiable || lasting == null) {
      return NestedScope.result(() -> {
        Tensor probabilities = attention.probabilities();
        return attention.context(probabilities, Dropout.keepMask(probabilities.shape(), dropout));
      });
    }
    Tensor context;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      context = NestedScope.result(() -> attention.forward(lasting));
    }
    HookedBackward.connect(context, List.of(q, k, v), null, lasting, attention::gradients);
    return context;
  }

  /**
   * The attention product with dropout, and its backward. The forward pass keeps (in handles of
   * its own, owned by the scope that outlasts it) the inputs, the output, the probabilities P and
   * the boolean keep mask M, and backward frees them, as autograd frees what it saves; it forms
   * the dropped probabilities D = P∘M/P(keep) again. For {@code ctx = D v} and {@code G =
   * dL/dctx}: {@code dL/dv = Dᵀ G}; {@code dL/dD = G vᵀ}, so {@code dL/dP = (G vᵀ)∘M/P(keep)};
   * softmax's backward {@code dL/dS = P∘(dL/dP − r)} needs the row sums {@code r_i = Σ_j
   * (dL/dP)_ij P_ij = Σ_j (G vᵀ)_ij D_ij = G_i · ctx_i}, a product of (T, d_h) rows instead of
   * (T, T) ones (Dao et al., "FlashAttention", NeurIPS 2022, Appendix B.2); and {@code S = q kᵀ s}
   * gives {@code dL/dq = s (dL/dS) k}, {@code dL/dk = s (dL/dS)ᵀ q}.
   */
  private final class DroppedAttention {
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor mask;
    private Tensor probabilities;
    private Tensor keep;
    private Tensor context;

    DroppedAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
      this.q = q;
      this.k = k;
      this.v = v;
      this.mask = mask;
    }

    /** {@code softmax(q kᵀ s + mask)}, {@code (B, h, T, T_k)}. */
    Tensor probabilities() {
      return NestedScope.result(() -> {
        Tensor scores = torch.matmul(q, k.transpose(-2, -1));
        scores.mul_(new Scalar(scale()));
        if (mask != null) {
          scores.add_(mask);
        }
        return torch.softmax(scores, -1);
      });
    }

    /** {@code (P∘M/P(keep)) v}; the dropped probabilities are freed on return. */
    Tensor context(Tensor probabilities, Tensor keep) {
      return NestedScope.result(
          () -> torch.matmul(Dropout.masked(probabilities, keep, dropout), v));
    }

    /**
     * The product without autograd, keeping what {@link #gradients} needs in {@code lasting}.
     * Detached: a view made without grad, which autograd forbids changing in place.
     */
    Tensor forward(PointerScope lasting) {
      probabilities = probabilities();
      keep = Dropout.keepMask(probabilities.shape(), dropout);
      Tensor out = context(probabilities, keep).detach();
      q = own(q, lasting);
      k = own(k, lasting);
      v = own(v, lasting);
      mask = mask == null ? null : own(mask, lasting);
      probabilities = own(probabilities, lasting);
      keep = own(keep, lasting);
      context = own(out, lasting);
      return out;
    }

    /**
     * {dL/dq, dL/dk, dL/dv} from {@code g = dL/dctx}, then frees what the forward pass kept. In
     * grad mode ({@code create_graph}, which retains the graph) P and the output are formed again
     * with autograd, so that the result is differentiable in the inputs, and nothing is freed.
     */
    Tensor[] gradients(Tensor g) {
      if (probabilities == null) {
        throw new IllegalStateException("backward ran a second time through attention with "
            + "dropout, whose saved tensors the first backward freed (retain_graph is not "
            + "supported there; create_graph is)");
      }
      boolean graph = GradMode.is_enabled();
      Tensor p = graph ? probabilities() : probabilities;
      Tensor dropped = Dropout.masked(p, keep, dropout);
      Tensor out = graph ? torch.matmul(dropped, v) : context;
      Tensor dv = torch.matmul(dropped.transpose(-2, -1), g);
      if (!graph) {
        dropped.close(); // (B, h, T, T_k): not needed any more
      }
      Tensor rowSums = g.mul(out).sum(new long[] {-1}, true, new ScalarTypeOptional());
      Tensor ds = torch.matmul(g, v.transpose(-2, -1)); // dL/dD, then dL/dP, then s·dL/dS
      ds.mul_(keep);
      ds.mul_(new Scalar(1 / Dropout.keepProbability(dropout)));
      ds.sub_(rowSums);
      ds.mul_(p);
      ds.mul_(new Scalar(scale()));
      Tensor[] gradients = {torch.matmul(ds, k), torch.matmul(ds.transpose(-2, -1), q), dv};
      if (!graph) {
        for (Tensor saved : new Tensor[] {q, k, v, mask, probabilities, keep, context}) {
          if (saved != null) {
            saved.close();
          }
        }
        probabilities = null;
      }
      return gradients;
    }
  }

  /** A handle of its own on {@code t}'s tensor, owned by {@code scope} too (closed early). */
  private static Tensor own(Tensor t, PointerScope scope) {
    Tensor own = new Tensor(t);
    scope.attach(own);
    return own;
  }

  /** {@code 1/√d_h}. */
  private double scale() {
    return 1 / Math.sqrt((double) hiddenSize / numHeads);
  }

  /** {@code (B, T, d) -> (B, h, T, d_h)}. */
  private Tensor heads(Tensor t) {
    return t.view(t.size(0), t.size(1), numHeads, hiddenSize / numHeads).transpose(1, 2);
  }

  public int numHeads() {
    return numHeads;
  }
}
