package io.dpft.core.models;

import io.dpft.core.nn.AddedParameter;
import io.dpft.core.nn.Conv2d;
import io.dpft.core.nn.Dropout;
import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import io.dpft.core.nn.WeightLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Vision Transformer with an optional image-classification head (Dosovitskiy et al., "An Image is
 * Worth 16x16 Words", ICLR 2021). Parameter names are those of Hugging Face's
 * {@code ViTForImageClassification} checkpoints ({@code vit.embeddings.*},
 * {@code vit.encoder.layer.{i}.*}, {@code vit.layernorm.*}, {@code classifier.*}); as there, the
 * classifier reads the final-normalised [CLS] token and there is no pooler.
 *
 * <pre>
 * pixels (B, C, H, W) ─ patch conv (kernel = stride = P) ─ flatten      (B, N, d)
 *                     ─ prepend [CLS] ─ + position embeddings ─ dropout (B, N+1, d)
 *                     ─ L × pre-norm block                             (B, N+1, d)
 *                     ─ layernorm                                      (B, N+1, d)  forward()
 *                     ─ classifier on token 0 ([CLS])                  (B, labels)  classify()
 * </pre>
 *
 * <p>{@code cls_token} and {@code position_embeddings} are {@link AddedParameter} layers (the
 * class token is added to zeros before it is prepended), so the DP engine clips them per sample
 * like every other trainable parameter.
 */
public final class VitModel extends Module {
  /** Where Hugging Face's {@code ViTLayer} files the sub-layers of a block. */
  static final TransformerBlock.Names LAYER_NAMES = new TransformerBlock.Names(
      "attention.attention", "attention.output.dense", "layernorm_before", "intermediate.dense",
      "output.dense", "layernorm_after");

  /** Patch embedding, [CLS] token and learned position embeddings. */
  static final class Embeddings extends Module {
    private final VitConfig config;
    private final AddedParameter clsToken;
    private final AddedParameter positionEmbeddings;
    private final Conv2d projection;
    private final Dropout dropout;

    Embeddings(VitConfig config) {
      this.config = config;
      int d = config.hiddenSize();
      clsToken = registerModule("cls_token", new AddedParameter(ParameterKind.EMBEDDING, 1, 1, d));
      positionEmbeddings = registerModule("position_embeddings",
          new AddedParameter(ParameterKind.EMBEDDING, 1, config.sequenceLength(), d));
      projection = registerModule("patch_embeddings.projection", new Conv2d(
          config.numChannels(), d, config.patchSize(), config.patchSize(), true));
      dropout = registerModule("dropout", new Dropout(config.hiddenDropoutProb()));
    }

    /** {@code (B, C, H, W) -> (B, N+1, d)}; patches in row-major order after [CLS]. */
    Tensor forward(Tensor pixelValues) {
      long batch = pixelValues.size(0);
      Tensor patches = projection.forward(pixelValues).flatten(2, -1).transpose(1, 2); // (B, N, d)
      Tensor cls = clsToken.forward(torch.zeros(batch, 1, config.hiddenSize())); // (B, 1, d)
      Tensor tokens = torch.cat(new TensorVector(cls, patches), 1); // (B, N+1, d)
      return dropout.forward(positionEmbeddings.forward(tokens));
    }
  }

  private final VitConfig config;
  private final Embeddings embeddings;
  private final List<TransformerBlock> layers = new ArrayList<>();
  private final LayerNorm layernorm;
  private final Linear classifier;

  /**
   * @param numLabels outputs of {@code classifier} (usually {@code config.numLabels()}); 0 for
   *     the encoder alone
   */
  public VitModel(VitConfig config, int numLabels) {
    if (numLabels < 0) {
      throw new IllegalArgumentException("numLabels must be >= 0 (0: no classifier), got "
          + numLabels);
    }
    this.config = config;
    int d = config.hiddenSize();
    embeddings = registerModule("vit.embeddings", new Embeddings(config));
    TransformerBlock.Config block = new TransformerBlock.Config(d, config.numAttentionHeads(),
        config.intermediateSize(), config.hiddenAct(), config.hiddenDropoutProb(),
        config.attentionProbsDropoutProb(), config.layerNormEps(), NormPlacement.PRE,
        QkvProjection.SEPARATE, WeightLayout.OUT_IN);
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(registerModule("vit.encoder.layer." + i, new TransformerBlock(block, LAYER_NAMES)));
    }
    layernorm = registerModule("vit.layernorm", new LayerNorm(d, config.layerNormEps()));
    classifier = numLabels > 0
        ? registerModule("classifier", new Linear(d, numLabels, true)) : null;
  }

  /**
   * The last hidden state after the final layer norm, {@code (B, N+1, d)}, token 0 being [CLS].
   *
   * @param pixelValues {@code (B, num_channels, image_size, image_size)} float, normalised as the
   *     checkpoint's image processor does
   * @throws IllegalArgumentException when the shape does not match the config
   */
  public Tensor forward(Tensor pixelValues) {
    long[] shape = pixelValues.shape();
    if (shape.length != 4 || shape[1] != config.numChannels() || shape[2] != config.imageSize()
        || shape[3] != config.imageSize()) {
      throw new IllegalArgumentException("pixelValues must be (batch, " + config.numChannels()
          + ", " + config.imageSize() + ", " + config.imageSize() + ") (num_channels, image_size),"
          + " got " + Arrays.toString(shape));
    }
    Tensor x = embeddings.forward(pixelValues);
    for (TransformerBlock layer : layers) {
      x = layer.forward(x, null);
    }
    return layernorm.forward(x);
  }

  /**
   * Classification logits {@code (B, numLabels)} from the [CLS] token.
   *
   * @throws IllegalStateException if the model was built without a classifier
   */
  public Tensor classify(Tensor pixelValues) {
    if (classifier == null) {
      throw new IllegalStateException("this VitModel has no classifier: build it with numLabels > 0");
    }
    return classifier.forward(forward(pixelValues).select(1, 0));
  }

  public VitConfig config() {
    return config;
  }
}
