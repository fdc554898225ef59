package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head scaled dot-product self-attention without the output projection:
 * {@code softmax(q kᵀ/√d_h + mask) v} per head, heads concatenated (Vaswani et al., "Attention Is
 * All You Need", NeurIPS 2017). {@code (B, T, d) -> (B, T, d)}.
 *
 * <p>The output projection is not part of this module because checkpoints file it differently
 * (BERT/ViT {@code attention.output.dense}, GPT-2 {@code attn.c_proj}); {@link TransformerBlock}
 * places it. Attention has no parameters of its own, so the DP engine only sees its projections.
 *
 * <p>With attention dropout in training (BERT-style checkpoints have 0.1), nothing of size T² is
 * kept for backward either: the product runs in blocks and backward forms the probabilities and
 * the dropout masks again ({@code withDropout}). At 512 tokens this is what keeps DP-BiTFiT's
 * memory below DP full's; it costs a few percent of a step (docs/performance.md).
 */
public class MultiHeadSelfAttention extends Module {
  /** How queries, keys and values are projected, and the children's names. */
  public enum QkvProjection {
    /** Three {@link Linear}s {@code query}, {@code key}, {@code value} (BERT, RoBERTa, ViT). */
    SEPARATE,
    /** One {@link Linear} {@code c_attn} to {@code 3d}, split into q, k, v (GPT-2). */
    COMBINED
  }

  /**
   * With attention dropout in training, the scores are formed in blocks of at most this many
   * (16 MB of float32, a few times that with the probabilities and masks of a block): MiniLM at
   * batch 32 takes 21 examples a block at 128 tokens, one example (12.6 MB) at 512.
   */
  static final long SCORES_PER_BLOCK = 1L << 22;

  private final int hiddenSize;
  private final int numHeads;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear combined;
  private final double dropout;
  private final long scoresPerBlock;

  /**
   * @param attentionDropout dropout on the attention probabilities, applied in training mode
   * @param layout the weight layout of the projections ({@link WeightLayout#IN_OUT} for GPT-2)
   */
  public MultiHeadSelfAttention(int hiddenSize, int numHeads, double attentionDropout,
      QkvProjection projection, WeightLayout layout) {
    this(hiddenSize, numHeads, attentionDropout, projection, layout, SCORES_PER_BLOCK);
  }

  /**
   * @param scoresPerBlock how many attention scores attention with dropout forms at a time (see
   *     {@link #SCORES_PER_BLOCK})
   */
  MultiHeadSelfAttention(int hiddenSize, int numHeads, double attentionDropout,
      QkvProjection projection, WeightLayout layout, long scoresPerBlock) {
    if (numHeads < 1 || hiddenSize < 1 || hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException("hiddenSize must be a positive multiple of numHeads, got "
          + "hiddenSize=" + hiddenSize + ", numHeads=" + numHeads);
    }
    this.hiddenSize = hiddenSize;
    this.numHeads = numHeads;
    this.dropout = Dropout.checkProbability(attentionDropout);
    this.scoresPerBlock = scoresPerBlock;
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
        : scaledDotProduct(heads(q), keys, values, mask); // (B, h, T, d_h)
    return context.transpose(1, 2).reshape(batch, length, hiddenSize); // (B, T, d)
  }

  /**
   * {@code softmax(q kᵀ/√d_h + mask) v} by libtorch's fused kernel: by {@link FlashAttention}
   * under autograd, else by libtorch's dispatch, with one BLAS thread. In float32 under every
   * {@link Precision}: the kernel's bfloat16 variant ran 5× slower than its float32 one on an
   * AMX-BF16 Xeon (MiniLM's shapes, forward and backward: 190 against 40 ms; docs/performance.md).
   */
  private static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor mask) {
    Tensor flash = FlashAttention.apply(q, k, v, mask);
    return flash != null ? flash : OpenBlasThreads.oneThread(() ->
        torch.scaled_dot_product_attention(q, k, v,
            mask == null ? new TensorOptional() : new TensorOptional(mask), 0.0, false,
            new DoubleOptional(), false));
  }

  /**
   * {@code dropout(softmax(q kᵀ/√d_h + mask)) v}, written out. Without dropout libtorch's fused
   * kernel keeps nothing of size T² for backward; its fallback with dropout keeps the
   * probabilities, the mask and the dropped probabilities, and its CPU flash kernel has no dropout.
   * Here, as in FlashAttention (Dao et al., NeurIPS 2022), the product runs without autograd in
   * {@link Block blocks} of at most {@code scoresPerBlock} scores, and {@link DroppedAttention} is
   * its backward: it keeps q, k, v, the mask, the output and each row's log-sum-exp of the scores
   * (B, h, T), and forms the probabilities and the keep masks again block by block, the masks from
   * a seed drawn per call: backward does the product's work again, plus drawing the masks, for
   * not keeping a (B, h, T, T_k) float and a boolean tensor per layer until then. Without a scope
   * to own the backward hooks, autograd differentiates the same blocks (and keeps their
   * probabilities).
   *
   * @param q {@code (B, h, T, d_h)}, as are k and v with T_k keys
   * @return {@code (B, h, T, d_h)}
   */
  Tensor withDropout(Tensor q, Tensor k, Tensor v, Tensor mask) {
    DroppedAttention attention = new DroppedAttention(q, k, v, mask, drawSeed());
    PointerScope lasting = NestedScope.lasting();
    boolean differentiable = GradMode.is_enabled()
        && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    if (!differentiable || lasting == null) {
      return NestedScope.result(() -> attention.context(false));
    }
    Tensor context;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      context = NestedScope.result(() -> attention.forward(lasting));
    }
    HookedBackward.connect(context, List.of(q, k, v), null, lasting, attention::gradients);
    return context;
  }

  /**
   * The keep mask {@code (B, h, T, T_k)} of the next call in training mode, when torch's default
   * generator is in the state it is in now (a seam for tests).
   */
  Tensor keepMask(long batch, long rows, long columns) {
    long seed = drawSeed();
    Tensor keep = torch.empty(new long[] {batch, numHeads, rows, columns},
        new TensorOptions(torch.ScalarType.Bool), new MemoryFormatOptional());
    GeneratorOptional draws = draws(seed);
    for (Block c : blocks(batch, rows, columns)) {
      c.of(keep).copy_(Dropout.keepMask(c.scoresShape(rows, columns), dropout, draws));
    }
    return keep;
  }

  /**
   * The seed of one call's keep masks, drawn from torch's default generator (so that
   * {@code torch.manual_seed} fixes them). A CPU generator uses its low 32 bits.
   */
  private static long drawSeed() {
    try (PointerScope local = new PointerScope()) {
      return torch.empty(new long[] {1}, new TensorOptions(torch.ScalarType.Long),
          new MemoryFormatOptional()).random_(Long.MIN_VALUE, new LongOptional()).item_long();
    }
  }

  /** A generator of its own, seeded with {@code seed}: the same draws each time. */
  private static GeneratorOptional draws(long seed) {
    return new GeneratorOptional(torch.createCPUGenerator(seed));
  }

  /**
   * The examples {@code [batchStart, batchStart + batchCount)} and heads {@code [headStart,
   * headStart + headCount)}: a block of the attention product, which has its own scores.
   */
  private record Block(long batchStart, long batchCount, long headStart, long headCount) {
    /**
     * The block of {@code t}, a tensor {@code (B, h, …)} or a mask broadcast to {@code (B, h, T,
     * T_k)}.
     */
    Tensor of(Tensor t) {
      int batchAxis = (int) t.dim() - 4; // negative: the mask does not have that axis
      Tensor block = t;
      if (batchAxis >= 0 && t.size(batchAxis) > 1) {
        block = block.narrow(batchAxis, batchStart, batchCount);
      }
      if (batchAxis + 1 >= 0 && t.size(batchAxis + 1) > 1) {
        block = block.narrow(batchAxis + 1, headStart, headCount);
      }
      return block;
    }

    long[] scoresShape(long rows, long columns) {
      return new long[] {batchCount, headCount, rows, columns};
    }
  }

  /**
   * The blocks of a {@code (B, h, T, T_k)} product, in the order their masks are drawn: as many
   * whole examples as fit in {@code scoresPerBlock} scores, or, when one example does not fit,
   * as many heads of one example (at least one).
   */
  private List<Block> blocks(long batch, long rows, long columns) {
    long perHead = rows * columns;
    List<Block> blocks = new ArrayList<>();
    if (numHeads * perHead <= scoresPerBlock) {
      long examples = scoresPerBlock / (numHeads * perHead);
      for (long b = 0; b < batch; b += examples) {
        blocks.add(new Block(b, Math.min(examples, batch - b), 0, numHeads));
      }
    } else {
      long heads = Math.max(1, scoresPerBlock / perHead);
      for (long b = 0; b < batch; b++) {
        for (long h = 0; h < numHeads; h += heads) {
          blocks.add(new Block(b, 1, h, Math.min(heads, numHeads - h)));
        }
      }
    }
    return blocks;
  }

  /**
   * The attention product with dropout, and its backward. The forward pass keeps (in handles of
   * its own, owned by the scope that outlasts it) the inputs, the output and the rows'
   * log-sum-exps {@code lse_i = log Σ_j exp(S_ij)} of the scores S, and backward frees them, as
   * autograd frees what it saves. Backward forms, block by block, the probabilities {@code P =
   * exp(S − lse)}, the keep mask M (the same draws: same seed, same blocks, same order) and the
   * dropped probabilities {@code D = P∘M/P(keep)}. For {@code ctx = D v} and {@code G =
   * dL/dctx}: {@code dL/dv = Dᵀ G}; {@code dL/dD = G vᵀ}, so {@code dL/dP = (G vᵀ)∘M/P(keep)};
   * softmax's backward {@code dL/dS = P∘(dL/dP − r)} needs the row sums {@code r_i = Σ_j
   * (dL/dP)_ij P_ij = Σ_j (G vᵀ)_ij D_ij = G_i · ctx_i}, a product of (T, d_h) rows instead of
   * (T, T) ones (Dao et al., "FlashAttention", NeurIPS 2022, Appendix B.2); and {@code S = q kᵀ s}
   * gives {@code dL/dq = s (dL/dS) k}, {@code dL/dk = s (dL/dS)ᵀ q}. Blocks hold whole examples
   * or heads of one, so examples stay independent.
   */
  private final class DroppedAttention {
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor mask;
    private final long seed;
    private final List<Block> blocks;
    private Tensor logSumExp;
    private Tensor context;

    DroppedAttention(Tensor q, Tensor k, Tensor v, Tensor mask, long seed) {
      this.q = q;
      this.k = k;
      this.v = v;
      this.mask = mask;
      this.seed = seed;
      this.blocks = blocks(q.size(0), q.size(2), k.size(2));
    }

    /** {@code (q s) kᵀ + mask} of block {@code c}. */
    private Tensor scores(Block c) {
      Tensor scores = torch.matmul(c.of(q).mul(new Scalar(scale())), c.of(k).transpose(-2, -1));
      if (mask != null) {
        scores.add_(c.of(mask));
      }
      return scores;
    }

    /** Block {@code c}'s keep mask: the next draws of {@code draws}. */
    private Tensor keepMask(Block c, GeneratorOptional draws) {
      return Dropout.keepMask(c.scoresShape(q.size(2), k.size(2)), dropout, draws);
    }

    /**
     * {@code (P∘M/P(keep)) v}, {@code (B, h, T, d_h)}, block by block; with {@code
     * logSumExps}, each row's log-sum-exp goes to {@link #logSumExp} too. Scalar factors are
     * applied to the (T, d_h) operands and results here and in {@link #gradients}, not to the
     * (T, T_k) blocks.
     */
    Tensor context(boolean logSumExps) {
      Tensor out = headsLike(q);
      GeneratorOptional draws = draws(seed);
      for (Block c : blocks) {
        try (PointerScope block = new PointerScope()) {
          Tensor scores = scores(c);
          Tensor p = torch.softmax(scores, -1);
          if (logSumExps) { // at a row's largest score P = exp(S_max − lse), and P ≥ 1/T_k there
            c.of(logSumExp).copy_(scores.amax(new long[] {-1}, true)
                .sub(p.amax(new long[] {-1}, true).log()));
          }
          c.of(out).copy_(torch.matmul(p.mul(keepMask(c, draws)), c.of(v))
              .mul_(new Scalar(inverseKeep())));
        }
      }
      return out;
    }

    /**
     * The product without autograd, keeping what {@link #gradients} needs in {@code lasting}.
     * Detached: a view made without grad, which autograd forbids changing in place.
     */
    Tensor forward(PointerScope lasting) {
      logSumExp = q.new_empty(q.size(0), q.size(1), q.size(2), 1);
      Tensor out = context(true).detach();
      q = NestedScope.own(q, lasting);
      k = NestedScope.own(k, lasting);
      v = NestedScope.own(v, lasting);
      mask = mask == null ? null : NestedScope.own(mask, lasting);
      logSumExp = NestedScope.own(logSumExp, lasting);
      context = NestedScope.own(out, lasting);
      return out;
    }

    /**
     * {dL/dq, dL/dk, dL/dv} from {@code g = dL/dctx}, then frees what the forward pass kept. In
     * grad mode ({@code create_graph}, which retains the graph) P and the output are formed again
     * by softmax with autograd, so that the result is differentiable in the inputs, and nothing is
     * freed.
     */
    Tensor[] gradients(Tensor g) {
      if (logSumExp == null) {
        throw new IllegalStateException("backward ran a second time through attention with "
            + "dropout, whose saved tensors the first backward freed (retain_graph is not "
            + "supported there; create_graph is)");
      }
      boolean graph = GradMode.is_enabled();
      Tensor[] gradients = {headsLike(q), headsLike(k), headsLike(v)};
      GeneratorOptional draws = draws(seed);
      for (Block c : blocks) {
        try (PointerScope block = new PointerScope()) {
          Tensor keep = keepMask(c, draws);
          Tensor p;
          if (graph) {
            p = torch.softmax(scores(c), -1);
          } else {
            p = scores(c);
            p.sub_(c.of(logSumExp));
            p.exp_();
          }
          Tensor kept = p.mul(keep); // P∘M = P(keep)·D
          Tensor gc = c.of(g);
          Tensor out = graph
              ? torch.matmul(kept, c.of(v)).mul_(new Scalar(inverseKeep())) : c.of(context);
          c.of(gradients[2]).copy_(torch.matmul(kept.transpose(-2, -1), gc)
              .mul_(new Scalar(inverseKeep())));
          Tensor rowSums = gc.mul(out).sum(new long[] {-1}, true, new ScalarTypeOptional());
          Tensor ds = torch.matmul(gc.mul(new Scalar(inverseKeep())), // dL/dP, then dL/dS
              c.of(v).transpose(-2, -1));
          ds.mul_(keep);
          ds.sub_(rowSums);
          ds.mul_(p);
          c.of(gradients[0]).copy_(torch.matmul(ds, c.of(k)).mul_(new Scalar(scale())));
          c.of(gradients[1]).copy_(torch.matmul(ds.transpose(-2, -1), c.of(q))
              .mul_(new Scalar(scale())));
        }
      }
      if (!graph) {
        for (Tensor saved : new Tensor[] {q, k, v, mask, logSumExp, context}) {
          if (saved != null) {
            saved.close();
          }
        }
        logSumExp = null;
      }
      return gradients;
    }
  }

  /**
   * A new tensor of {@code t}'s shape {@code (B, h, T, d_h)}, laid out as {@code (B, T, h, d_h)}
   * (so that concatenating its heads is a view).
   */
  private static Tensor headsLike(Tensor t) {
    return t.new_empty(t.size(0), t.size(2), t.size(1), t.size(3)).transpose(1, 2);
  }

  /** {@code 1/P(keep)}. */
  private double inverseKeep() {
    return 1 / Dropout.keepProbability(dropout);
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
