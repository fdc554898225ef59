package io.dpft.core.nn;

import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * One transformer layer: self-attention and an MLP, each with a residual connection and a
 * {@link LayerNorm}, placed after the residual ({@link NormPlacement#POST}, BERT: Vaswani et al.
 * 2017) or before the sub-layer ({@link NormPlacement#PRE}, GPT-2 and ViT: Xiong et al., "On Layer
 * Normalization in the Transformer Architecture", ICML 2020). {@code (B, T, d) -> (B, T, d)}.
 *
 * <p>The sub-layers sit under the names a checkpoint uses ({@link Names}), so
 * {@link #namedParameters()} matches it without a name map.
 */
public class TransformerBlock extends Module {
  /** Where the layer norms sit relative to the residual connections. */
  public enum NormPlacement {
    /** {@code h = LN(x + Attn(x))}, {@code y = LN(h + Mlp(h))}. */
    POST,
    /** {@code h = x + Attn(LN(x))}, {@code y = h + Mlp(LN(h))}. */
    PRE
  }

  /**
   * Dotted paths of the sub-layers inside the block, as the checkpoint names them.
   *
   * @param attention the {@link MultiHeadSelfAttention} (BERT {@code attention.self})
   * @param attentionOutput its output projection (BERT {@code attention.output.dense})
   * @param attentionNorm the norm around attention (BERT {@code attention.output.LayerNorm}, GPT-2
   *     {@code ln_1})
   * @param mlpIn the MLP's expanding projection (BERT {@code intermediate.dense})
   * @param mlpOut the MLP's contracting projection (BERT {@code output.dense})
   * @param mlpNorm the norm around the MLP (BERT {@code output.LayerNorm}, GPT-2 {@code ln_2})
   */
  public record Names(String attention, String attentionOutput, String attentionNorm,
      String mlpIn, String mlpOut, String mlpNorm) {
    public Names {
      Objects.requireNonNull(attention, "attention");
      Objects.requireNonNull(attentionOutput, "attentionOutput");
      Objects.requireNonNull(attentionNorm, "attentionNorm");
      Objects.requireNonNull(mlpIn, "mlpIn");
      Objects.requireNonNull(mlpOut, "mlpOut");
      Objects.requireNonNull(mlpNorm, "mlpNorm");
    }
  }

  /**
   * Shape and behaviour of a block.
   *
   * @param intermediateSize width of the MLP's hidden layer
   * @param hiddenDropout dropout after each output projection (training mode only)
   * @param attentionDropout dropout on the attention probabilities
   * @param layout weight layout of every projection
   */
  public record Config(int hiddenSize, int numHeads, int intermediateSize, Activation activation,
      double hiddenDropout, double attentionDropout, double layerNormEps,
      NormPlacement placement, QkvProjection qkvProjection, WeightLayout layout) {
    public Config {
      Init.positive("hiddenSize", hiddenSize);
      Init.positive("numHeads", numHeads);
      Init.positive("intermediateSize", intermediateSize);
      if (hiddenSize % numHeads != 0) {
        throw new IllegalArgumentException("hiddenSize must be a multiple of numHeads, got "
            + "hiddenSize=" + hiddenSize + ", numHeads=" + numHeads);
      }
      Dropout.checkProbability(hiddenDropout);
      Dropout.checkProbability(attentionDropout);
      if (!(layerNormEps > 0)) {
        throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
      }
      Objects.requireNonNull(activation, "activation");
      Objects.requireNonNull(placement, "placement");
      Objects.requireNonNull(qkvProjection, "qkvProjection");
      Objects.requireNonNull(layout, "layout");
    }
  }

  private final Config config;
  private final Names names;
  private final MultiHeadSelfAttention attention;
  private final Linear attentionOutput;
  private final LayerNorm attentionNorm;
  private final Linear mlpIn;
  private final Linear mlpOut;
  private final LayerNorm mlpNorm;
  private final Dropout dropout;
  private BottleneckAdapter attentionAdapter;
  private BottleneckAdapter mlpAdapter;

  public TransformerBlock(Config config, Names names) {
    this.config = config;
    this.names = names;
    int d = config.hiddenSize();
    // registered in forward order, so parameters() lists them as the checkpoint does
    LayerNorm preAttentionNorm = config.placement() == NormPlacement.PRE
        ? registerModule(names.attentionNorm(), new LayerNorm(d, config.layerNormEps())) : null;
    attention = registerModule(names.attention(), new MultiHeadSelfAttention(d, config.numHeads(),
        config.attentionDropout(), config.qkvProjection(), config.layout()));
    attentionOutput = registerModule(names.attentionOutput(), new Linear(d, d, true, config.layout()));
    attentionNorm = preAttentionNorm != null ? preAttentionNorm
        : registerModule(names.attentionNorm(), new LayerNorm(d, config.layerNormEps()));
    LayerNorm preMlpNorm = config.placement() == NormPlacement.PRE
        ? registerModule(names.mlpNorm(), new LayerNorm(d, config.layerNormEps())) : null;
    mlpIn = registerModule(names.mlpIn(),
        new Linear(d, config.intermediateSize(), true, config.layout()));
    mlpOut = registerModule(names.mlpOut(),
        new Linear(config.intermediateSize(), d, true, config.layout()));
    mlpNorm = preMlpNorm != null ? preMlpNorm
        : registerModule(names.mlpNorm(), new LayerNorm(d, config.layerNormEps()));
    dropout = registerModule("dropout", new Dropout(config.hiddenDropout()));
  }

  /**
   * @param x {@code (B, T, d)}
   * @param mask additive attention mask (see {@link AttentionMask}) or null
   * @return {@code (B, T, d)}
   */
  public Tensor forward(Tensor x, Tensor mask) {
    return forward(x, mask, null);
  }

  /**
   * The block for new tokens {@code x} attending over cached and new tokens (incremental
   * decoding, see {@link MultiHeadSelfAttention#forward(Tensor, Tensor, KeyValueCache.Layer)}).
   *
   * @param cache this block's {@link KeyValueCache} layer, or null for none
   */
  public Tensor forward(Tensor x, Tensor mask, KeyValueCache.Layer cache) {
    // each half in a NestedScope: its intermediates go as soon as it returns
    if (config.placement() == NormPlacement.POST) {
      Tensor h = NestedScope.result(
          () -> attentionNorm.forward(x.add(attend(x, mask, cache)))); // (B, T, d)
      return NestedScope.result(() -> mlpNorm.forward(h.add(mlp(h))));
    }
    Tensor h = NestedScope.result(
        () -> x.add(attend(attentionNorm.forward(x), mask, cache))); // (B, T, d)
    return NestedScope.result(() -> h.add(mlp(mlpNorm.forward(h))));
  }

  private Tensor attend(Tensor x, Tensor mask, KeyValueCache.Layer cache) {
    return adapt(attentionAdapter,
        dropout.forward(attentionOutput.forward(attention.forward(x, mask, cache))));
  }

  /** The position-wise MLP {@code dropout(W_out act(W_in x + b_in) + b_out)}. */
  private Tensor mlp(Tensor x) {
    Tensor hidden = mlpIn.forward(x, config.activation()); // (B, T, d_ff)
    return adapt(mlpAdapter, dropout.forward(mlpOut.forward(hidden)));
  }

  private static Tensor adapt(BottleneckAdapter adapter, Tensor x) {
    return adapter == null ? x : adapter.forward(x);
  }

  /**
   * Adds a {@link BottleneckAdapter} of width {@code size} after each sub-layer's output
   * projection, before the residual connection (Houlsby et al. 2019), beside that projection:
   * BERT's {@code attention.output.adapter} and {@code output.adapter}, GPT-2's
   * {@code attn.adapter} and {@code mlp.adapter}.
   *
   * @throws IllegalStateException if the block has adapters already
   */
  public void addAdapters(int size) {
    if (attentionAdapter != null) {
      throw new IllegalStateException("this block has adapters already");
    }
    attentionAdapter = registerModule(beside(names.attentionOutput()),
        new BottleneckAdapter(config.hiddenSize(), size));
    mlpAdapter = registerModule(beside(names.mlpOut()),
        new BottleneckAdapter(config.hiddenSize(), size));
  }

  /** {@code adapter} in the module that holds {@code path}: {@code a.b.dense -> a.b.adapter}. */
  private static String beside(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path + "_adapter" : path.substring(0, dot) + ".adapter";
  }

  public Config config() {
    return config;
  }
}
