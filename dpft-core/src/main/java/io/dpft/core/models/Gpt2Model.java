package io.dpft.core.models;

import io.dpft.core.nn.AttentionMask;
import io.dpft.core.nn.Dropout;
import io.dpft.core.nn.Embedding;
import io.dpft.core.nn.KeyValueCache;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * GPT-2: a decoder-only transformer language model with pre-norm causal blocks and an LM head
 * tied to the token embedding (Radford et al., "Language Models are Unsupervised Multitask
 * Learners", 2019). Parameter names are those of Hugging Face's {@code GPT2LMHeadModel}
 * checkpoints ({@code transformer.wte.weight}, {@code transformer.h.{i}.attn.c_attn.weight}, ...);
 * the projections keep the {@code Conv1D} layout {@code [in, out]} ({@link WeightLayout#IN_OUT}),
 * so checkpoints load without transposing. The tied head has no parameter of its own (checkpoints
 * do not store {@code lm_head.weight}).
 *
 * <pre>
 * ids (B, T) ─ wte(ids) + wpe(position ids) ─ dropout                (B, T, d)
 *            ─ N × pre-norm block: x + attn(ln_1(x)), x + mlp(ln_2(x)) (B, T, d)
 *            ─ ln_f                                                   (B, T, d)  forward()
 *            ─ h wteᵀ                                                 (B, T, V)  logits()
 * </pre>
 *
 * <p><b>Padding and position ids.</b> A real token's position is the number of real tokens
 * before it, {@code cumsum(attention_mask) - 1} (padding positions get 1, as in Hugging Face's
 * {@code generate}). Padding keys are masked out of attention, so with left <em>or</em> right
 * padding every real token gets exactly the outputs of the unpadded sequence; outputs at padding
 * positions are meaningless. Left padding is what {@link Gpt2Generation} needs, since new tokens
 * are appended on the right. Without padding the ids are {@code 0..T-1}, GPT-2's default.
 *
 * <p><b>Incremental decoding.</b> {@link #forward(Tensor, Tensor, KeyValueCache)} takes only the
 * new tokens and a {@link KeyValueCache} holding the earlier tokens' keys and values.
 *
 * <p><b>Side network.</b> With a {@link LadderSideNetwork} attached ({@link #attachSideNetwork}),
 * {@link #forward} returns {@code ln_f(h_N)} plus the side network's up-projected output, in the
 * space the tied LM head reads; while no transformer parameter trains the transformer runs without
 * autograd. A cache then holds the side blocks' keys and values too.
 */
public final class Gpt2Model extends Module implements LadderSideNetwork.Host {
  /** Where Hugging Face's {@code GPT2Block} files the sub-layers of a block. */
  static final TransformerBlock.Names BLOCK_NAMES = new TransformerBlock.Names("attn",
      "attn.c_proj", "ln_1", "mlp.c_fc", "mlp.c_proj", "ln_2");

  private final Gpt2Config config;
  private final Embedding wte;
  private final Embedding wpe;
  private final Dropout drop;
  private final List<TransformerBlock> h = new ArrayList<>();
  private final LayerNorm lnF;
  private final Linear lmHead;
  private LadderSideNetwork side;

  public Gpt2Model(Gpt2Config config) {
    this.config = config;
    int d = config.nEmbd();
    wte = registerModule("transformer.wte", new Embedding(config.vocabSize(), d));
    wpe = registerModule("transformer.wpe", new Embedding(config.nPositions(), d));
    drop = registerModule("transformer.drop", new Dropout(config.embdPdrop()));
    TransformerBlock.Config block = new TransformerBlock.Config(d, config.nHead(),
        config.nInner(), config.activationFunction(), config.residPdrop(), config.attnPdrop(),
        config.layerNormEpsilon(), NormPlacement.PRE, QkvProjection.COMBINED,
        WeightLayout.IN_OUT);
    for (int i = 0; i < config.nLayer(); i++) {
      h.add(registerModule("transformer.h." + i, new TransformerBlock(block, BLOCK_NAMES)));
    }
    lnF = registerModule("transformer.ln_f", new LayerNorm(d, config.layerNormEpsilon()));
    // tied: the head's weight IS wte's parameter (listed once, as transformer.wte.weight)
    lmHead = registerModule("lm_head", new Linear(wte.weight(), null, WeightLayout.OUT_IN));
  }

  /** The last hidden state {@code (B, T, d)} of a padded batch (left or right padding). */
  public Tensor forward(TokenBatch batch) {
    return forward(batch.inputIds(), batch.attentionMask(), null);
  }

  /**
   * The last hidden state of new tokens, attending over the cached tokens and themselves.
   *
   * @param inputIds the new tokens {@code (B, T)} int64
   * @param attentionMask {@code (B, T_past + T)}, 1 for tokens and 0 for padding, covering the
   *     cached tokens and the new ones
   * @param cache the earlier tokens' keys and values (from {@link #newCache()}), to which the new
   *     tokens' are appended; null to process a whole sequence at once
   * @return {@code (B, T, d)}
   * @throws IllegalArgumentException when the mask does not cover {@code T_past + T} positions or
   *     the sequence is longer than {@code n_positions}
   */
  public Tensor forward(Tensor inputIds, Tensor attentionMask, KeyValueCache cache) {
    long past = cache == null ? 0 : cache.length();
    long length = inputIds.size(1);
    if (attentionMask.size(1) != past + length) {
      throw new IllegalArgumentException("attentionMask must cover the " + past
          + " cached and " + length + " new positions, got length " + attentionMask.size(1));
    }
    if (past + length > config.nPositions()) {
      throw new IllegalArgumentException("sequence length must be <= " + config.nPositions()
          + " (n_positions), got " + (past + length));
    }
    Tensor positions = positionIds(attentionMask).narrow(1, past, length); // (B, T)
    // rows of the new queries: (B, 1, T, T_past + T)
    Tensor mask = AttentionMask.causalWithPadding(attentionMask).narrow(2, past, length);
    if (side != null) {
      return forwardWithSide(inputIds, positions, mask, cache);
    }
    Tensor x = drop.forward(wte.forward(inputIds).add(wpe.forward(positions))); // (B, T, d)
    for (int i = 0; i < h.size(); i++) {
      x = h.get(i).forward(x, mask, cache == null ? null : cache.layer(i));
    }
    return lnF.forward(x);
  }

  /**
   * The transformer, each block's output handed to the side network as it is computed; the side
   * blocks' keys and values sit in the cache's layers after the transformer's.
   */
  private Tensor forwardWithSide(
      Tensor inputIds, Tensor positions, Tensor mask, KeyValueCache cache) {
    List<Module> backbone = new ArrayList<>(h);
    backbone.addAll(List.of(wte, wpe, drop, lnF));
    boolean frozen = LadderSideNetwork.fixedBackbone(backbone);
    Tensor x = LadderSideNetwork.backbone(frozen,
        () -> drop.forward(wte.forward(inputIds).add(wpe.forward(positions)))); // (B, T, d)
    Tensor s = side.start(x); // (B, T, d_s)
    for (int i = 0; i < h.size(); i++) {
      Tensor in = x;
      TransformerBlock block = h.get(i);
      KeyValueCache.Layer layerCache = cache == null ? null : cache.layer(i);
      x = LadderSideNetwork.backbone(frozen, () -> block.forward(in, mask, layerCache));
      s = side.step(i, x, s, mask, cache == null ? null : cache.layer(h.size() + i));
    }
    Tensor last = x;
    return LadderSideNetwork.backbone(frozen, () -> lnF.forward(last)).add(side.output(s));
  }

  @Override
  public void attachSideNetwork(int reduction) {
    if (side != null) {
      throw new IllegalStateException("this Gpt2Model already has a side network");
    }
    side = registerModule(LadderSideNetwork.NAME,
        new LadderSideNetwork(h.get(0).config(), BLOCK_NAMES, h.size(), reduction));
    side.train(isTraining());
  }

  /**
   * The LM head, tied to the token embedding: hidden {@code (..., d) -> (..., V)} logits
   * {@code h wteᵀ}.
   *
   * <p>The head is a {@link Linear} sharing {@code wte}'s parameter, so a {@link
   * io.dpft.core.nn.Tape} records both uses and the DP engine clips the sum of their per-sample
   * gradients ({@link io.dpft.core.dp.norms.SharedParameterGradient}).
   */
  public Tensor logits(Tensor hidden) {
    return lmHead.forward(hidden);
  }

  /** An empty cache for {@link #forward(Tensor, Tensor, KeyValueCache)}; the caller closes it. */
  public KeyValueCache newCache() {
    return new KeyValueCache(side == null ? config.nLayer() : 2 * config.nLayer());
  }

  public Gpt2Config config() {
    return config;
  }

  /**
   * Position ids {@code (B, T)} int64 from an attention mask {@code (B, T)}: the number of real
   * tokens before each real token, and 1 at padding positions.
   */
  static Tensor positionIds(Tensor attentionMask) {
    Tensor mask = attentionMask.to(torch.ScalarType.Long);
    return torch.cumsum(mask, 1).sub(new Scalar(1L)).masked_fill(mask.eq(new Scalar(0L)),
        new Scalar(1L));
  }
}
