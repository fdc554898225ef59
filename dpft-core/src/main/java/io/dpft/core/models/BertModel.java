package io.dpft.core.models;

import io.dpft.core.nn.AttentionMask;
import io.dpft.core.nn.Dropout;
import io.dpft.core.nn.Embedding;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.ReversibleStack;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * BERT / RoBERTa encoder with optional pooler and sequence-classification head, parameter names
 * as Hugging Face's {@code BertModel} ({@code embeddings.*}, {@code encoder.layer.{i}.*},
 * {@code pooler.dense.*}) plus {@code classifier.*} (Devlin et al., "BERT", NAACL 2019; Liu et al.,
 * "RoBERTa", 2019).
 *
 * <pre>
 * ids (B, T) ─ word + token type + position embeddings ─ LayerNorm ─ dropout    (B, T, d)
 *            ─ N × post-norm block (attention, MLP)                              (B, T, d)  forward()
 *            ─ pool: CLS [─ pooler dense ─ tanh] | mean over tokens             (B, d)     pool()
 *            ─ dropout ─ classifier                                             (B, labels) classify()
 * </pre>
 *
 * <p>A RoBERTa classifier over the CLS token is Hugging Face's {@code RobertaClassificationHead}
 * (no pooler): dropout ─ {@code classifier.dense} ─ tanh ─ dropout ─ {@code classifier.out_proj},
 * so a fine-tuned {@code RobertaForSequenceClassification} checkpoint loads with its head.
 *
 * <p>With a {@link LadderSideNetwork} attached ({@link #attachSideNetwork}), {@link #forward}
 * returns the encoder's last hidden state plus the side network's up-projected output, and while
 * no embedding or encoder parameter trains the encoder runs without autograd.
 */
public final class BertModel extends Module implements LadderSideNetwork.Host {
  /** The name prefix of the classification head's parameters (a fresh head when fine-tuning). */
  public static final String HEAD = "classifier";

  /** How a sequence becomes one vector. */
  public enum Pooling {
    /** The first token's state, through the pooler ({@code tanh(W h_0 + b)}) when there is one. */
    CLS,
    /** The average of the states of the non-padding tokens (sentence-transformers). */
    MEAN
  }

  /**
   * What sits on top of the encoder.
   *
   * @param pooler whether the model has {@code pooler.dense} (load it when the checkpoint has it)
   * @param pooling pooling used by {@link #pool} and {@link #classify}
   * @param numLabels outputs of {@code classifier}; 0 for no classifier
   */
  public record Options(boolean pooler, Pooling pooling, int numLabels) {
    public Options {
      if (pooling == null) {
        throw new IllegalArgumentException("pooling must be CLS or MEAN, got null");
      }
      if (numLabels < 0) {
        throw new IllegalArgumentException("numLabels must be >= 0 (0: no classifier), got "
            + numLabels);
      }
    }

    /** Encoder and pooler, as Hugging Face's {@code BertModel}. */
    public static Options encoder() {
      return new Options(true, Pooling.CLS, 0);
    }

    /** A classifier over pooled outputs; a pooler only for {@link Pooling#CLS}. */
    public static Options sequenceClassification(int numLabels, Pooling pooling) {
      return new Options(pooling == Pooling.CLS, pooling, numLabels);
    }
  }

  /** Where Hugging Face's {@code BertLayer} files the sub-layers of a block. */
  static final TransformerBlock.Names LAYER_NAMES = new TransformerBlock.Names("attention.self",
      "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
      "output.dense", "output.LayerNorm");

  /** Word, position and token-type embeddings, summed and normalised. */
  static final class Embeddings extends Module {
    private final BertConfig config;
    private final Embedding word;
    private final Embedding position;
    private final Embedding tokenType;
    private final LayerNorm norm;
    private final Dropout dropout;

    Embeddings(BertConfig config) {
      this.config = config;
      int d = config.hiddenSize();
      boolean roberta = config.modelType() == BertConfig.ModelType.ROBERTA;
      word = registerModule("word_embeddings",
          new Embedding(config.vocabSize(), d, config.padTokenId()));
      position = registerModule("position_embeddings", new Embedding(
          config.maxPositionEmbeddings(), d, roberta ? config.padTokenId() : Embedding.NO_PADDING));
      tokenType = registerModule("token_type_embeddings", new Embedding(config.typeVocabSize(), d));
      norm = registerModule("LayerNorm", new LayerNorm(d, config.layerNormEps()));
      dropout = registerModule("dropout", new Dropout(config.hiddenDropoutProb()));
    }

    Tensor forward(TokenBatch batch) {
      if (batch.length() > config.maxSequenceLength()) {
        throw new IllegalArgumentException("sequence length must be <= "
            + config.maxSequenceLength() + " (max_position_embeddings), got " + batch.length());
      }
      Tensor types = batch.tokenTypeIds() != null ? batch.tokenTypeIds()
          : torch.zeros(batch.inputIds().shape(), new TensorOptions(torch.ScalarType.Long));
      Tensor x = word.forward(batch.inputIds()).add(tokenType.forward(types)); // (B, T, d)
      x = x.add(position.forward(positionIds(batch.inputIds(), config)));
      return dropout.forward(norm.forward(x));
    }
  }

  private final BertConfig config;
  private final Options options;
  private final Embeddings embeddings;
  private final List<TransformerBlock> layers = new ArrayList<>();
  private ReversibleStack reversible;
  private final Linear pooler;
  private final Dropout classifierDropout;
  /** RoBERTa's head only: {@code classifier.dense}, before {@code classifier.out_proj}. */
  private final Linear classifierDense;
  private final Linear classifier;
  private LadderSideNetwork side;

  public BertModel(BertConfig config, Options options) {
    this.config = config;
    this.options = options;
    int d = config.hiddenSize();
    embeddings = registerModule("embeddings", new Embeddings(config));
    TransformerBlock.Config block = new TransformerBlock.Config(d, config.numAttentionHeads(),
        config.intermediateSize(), config.hiddenAct(), config.hiddenDropoutProb(),
        config.attentionProbsDropoutProb(), config.layerNormEps(), NormPlacement.POST,
        QkvProjection.SEPARATE, WeightLayout.OUT_IN);
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(registerModule("encoder.layer." + i, new TransformerBlock(block, LAYER_NAMES)));
    }
    boolean robertaHead =
        config.modelType() == BertConfig.ModelType.ROBERTA
            && options.pooling() == Pooling.CLS
            && options.numLabels() > 0;
    pooler =
        options.pooler() && !robertaHead
            ? registerModule("pooler.dense", new Linear(d, d, true))
            : null;
    if (options.numLabels() > 0) {
      classifierDropout = registerModule("dropout", new Dropout(config.hiddenDropoutProb()));
      classifierDense =
          robertaHead ? registerModule("classifier.dense", new Linear(d, d, true)) : null;
      classifier =
          registerModule(
              robertaHead ? "classifier.out_proj" : "classifier",
              new Linear(d, options.numLabels(), true));
    } else {
      classifierDropout = null;
      classifierDense = null;
      classifier = null;
    }
  }

  /**
   * The last hidden state, one vector per token: {@code (B, T, d)}; with a side network, plus its
   * output.
   */
  public Tensor forward(TokenBatch batch) {
    Tensor mask = AttentionMask.padding(batch.attentionMask()); // (B, 1, 1, T)
    if (side != null) {
      return forwardWithSide(batch, mask);
    }
    Tensor h = embeddings.forward(batch); // (B, T, d)
    if (reversible != null) {
      return reversible.forward(h, mask);
    }
    for (TransformerBlock layer : layers) {
      h = layer.forward(h, mask);
    }
    return h;
  }

  /** The encoder, each block's output handed to the side network as it is computed. */
  private Tensor forwardWithSide(TokenBatch batch, Tensor mask) {
    List<Module> backbone = new ArrayList<>(layers);
    backbone.add(embeddings);
    boolean frozen = LadderSideNetwork.fixedBackbone(backbone);
    Tensor h = LadderSideNetwork.backbone(frozen, () -> embeddings.forward(batch)); // (B, T, d)
    Tensor s = side.start(h); // (B, T, d_s)
    for (int i = 0; i < layers.size(); i++) {
      Tensor in = h;
      TransformerBlock layer = layers.get(i);
      h = LadderSideNetwork.backbone(frozen, () -> layer.forward(in, mask));
      s = side.step(i, h, s, mask, null);
    }
    return h.add(side.output(s));
  }

  @Override
  public void attachSideNetwork(int reduction) {
    if (side != null) {
      throw new IllegalStateException("this BertModel already has a side network");
    }
    side = registerModule(LadderSideNetwork.NAME,
        new LadderSideNetwork(layers.get(0).config(), LAYER_NAMES, layers.size(), reduction));
    side.train(isTraining());
  }

  /**
   * Runs the blocks as a {@link ReversibleStack} whose adapters, of width {@code adapterSize},
   * are named {@code encoder.reversible.{i}.down} and {@code .up}.
   *
   * @throws IllegalStateException if the blocks are reversible already
   */
  public void makeReversible(int adapterSize, double lambda) {
    if (reversible != null) {
      throw new IllegalStateException("this BertModel's blocks are reversible already");
    }
    reversible = registerModule("encoder.reversible",
        new ReversibleStack(layers, adapterSize, lambda));
  }

  /**
   * One vector per sequence by {@link Options#pooling()}: hidden {@code (B, T, d)}, attention mask
   * {@code (B, T)} {@code -> (B, d)}.
   */
  public Tensor pool(Tensor hidden, Tensor attentionMask) {
    if (options.pooling() == Pooling.CLS) {
      Tensor cls = hidden.select(1, 0); // (B, d)
      return pooler == null ? cls : torch.tanh(pooler.forward(cls));
    }
    Tensor keep = attentionMask.to(torch.ScalarType.Float).unsqueeze(2); // (B, T, 1)
    Tensor sum = hidden.mul(keep).sum(new long[] {1}, false, new ScalarTypeOptional()); // (B, d)
    Tensor count = keep.sum(new long[] {1}, false, new ScalarTypeOptional()); // (B, 1)
    return sum.div(count.clamp_min(new Scalar(1.0)));
  }

  /**
   * Classification logits {@code (B, numLabels)}.
   *
   * @throws IllegalStateException if the model was built without a classifier
   */
  public Tensor classify(TokenBatch batch) {
    return head(features(batch));
  }

  /** What the head reads: the pooled sequence vectors {@code (B, d)}, pooler included. */
  public Tensor features(TokenBatch batch) {
    return pool(forward(batch), batch.attentionMask());
  }

  /**
   * The classification head (every parameter under {@value #HEAD}) on pooled {@link #features}
   * {@code (B, d) -> (B, numLabels)}.
   *
   * @throws IllegalStateException if the model was built without a classifier
   */
  public Tensor head(Tensor features) {
    if (classifier == null) {
      throw new IllegalStateException(
          "this BertModel has no classifier: build it with Options.sequenceClassification");
    }
    Tensor pooled = features;
    if (classifierDense != null) { // RoBERTa: out_proj(dropout(tanh(dense(dropout(h_0)))))
      pooled = torch.tanh(classifierDense.forward(classifierDropout.forward(pooled)));
    }
    return classifier.forward(classifierDropout.forward(pooled));
  }

  public BertConfig config() {
    return config;
  }

  public Options options() {
    return options;
  }

  /**
   * Position ids {@code (B, T)} int64. BERT: {@code 0..T-1} in every row. RoBERTa, as Hugging
   * Face's {@code create_position_ids_from_input_ids}: non-padding tokens count from
   * {@code pad + 1}, padding tokens get {@code pad}. Every row gets its own ids so that the
   * position embedding's output keeps one row per example (per-sample gradients).
   */
  static Tensor positionIds(Tensor inputIds, BertConfig config) {
    long batch = inputIds.size(0);
    long length = inputIds.size(1);
    if (config.modelType() == BertConfig.ModelType.ROBERTA) {
      long pad = config.padTokenId();
      Tensor isToken = inputIds.ne(new Scalar(pad)).to(torch.ScalarType.Long); // (B, T)
      return torch.cumsum(isToken, 1).mul(isToken).add(new Scalar(pad));
    }
    Tensor range = torch.arange(new Scalar(length), new TensorOptions(torch.ScalarType.Long));
    return range.unsqueeze(0).expand(batch, length);
  }
}
