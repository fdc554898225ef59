package io.dpft.core.models;

import static io.dpft.core.models.HfConfigFiles.divisible;
import static io.dpft.core.models.HfConfigFiles.epsilon;
import static io.dpft.core.models.HfConfigFiles.positive;
import static io.dpft.core.models.HfConfigFiles.probability;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The architecture of a BERT or RoBERTa encoder, with the fields of a Hugging Face
 * {@code config.json} (Devlin et al., "BERT", NAACL 2019; Liu et al., "RoBERTa", 2019).
 * Validated on construction; {@link #read(Path)} parses a config file, filling fields the file
 * omits with Hugging Face's defaults.
 *
 * @param modelType BERT or RoBERTa (position ids differ)
 * @param vocabSize rows of the token embedding table
 * @param hiddenSize model width d
 * @param numHiddenLayers number of transformer blocks
 * @param numAttentionHeads heads per block; divides {@code hiddenSize}
 * @param intermediateSize width of the MLP inside each block
 * @param hiddenAct the MLP's activation
 * @param hiddenDropoutProb dropout on embeddings and block outputs
 * @param attentionProbsDropoutProb dropout on attention probabilities
 * @param maxPositionEmbeddings rows of the position table (RoBERTa: includes the padding offset)
 * @param typeVocabSize rows of the token-type (segment) table
 * @param layerNormEps epsilon of every layer norm
 * @param padTokenId id of the padding token
 */
public record BertConfig(ModelType modelType, int vocabSize, int hiddenSize, int numHiddenLayers,
    int numAttentionHeads, int intermediateSize, Activation hiddenAct, double hiddenDropoutProb,
    double attentionProbsDropoutProb, int maxPositionEmbeddings, int typeVocabSize,
    double layerNormEps, int padTokenId) {

  /** The {@code model_type} values this encoder implements. */
  public enum ModelType {
    BERT("bert"),
    /** Positions count from {@code pad_token_id + 1} and skip padding tokens. */
    ROBERTA("roberta");

    private final String hfName;

    ModelType(String hfName) {
      this.hfName = hfName;
    }

    public String hfName() {
      return hfName;
    }
  }

  public BertConfig {
    Objects.requireNonNull(modelType, "model_type");
    Objects.requireNonNull(hiddenAct, "hidden_act");
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    positive("type_vocab_size", typeVocabSize);
    divisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
    probability("hidden_dropout_prob", hiddenDropoutProb);
    probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
    epsilon("layer_norm_eps", layerNormEps);
    if (padTokenId < 0 || padTokenId >= vocabSize) {
      throw new IllegalArgumentException("pad_token_id must be in [0, vocab_size=" + vocabSize
          + "), got " + padTokenId);
    }
    if (modelType == ModelType.ROBERTA && maxPositionEmbeddings <= padTokenId + 1) {
      throw new IllegalArgumentException("RoBERTa positions start at pad_token_id + 1 = "
          + (padTokenId + 1) + ", so max_position_embeddings must exceed it, got "
          + maxPositionEmbeddings);
    }
  }

  /**
   * This config with other dropout probabilities. Attention dropout above 0 keeps torch's fused
   * CPU attention kernel from running in training mode (several times slower attention).
   */
  public BertConfig withDropout(double hiddenDropoutProb, double attentionProbsDropoutProb) {
    return new BertConfig(modelType, vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads,
        intermediateSize, hiddenAct, hiddenDropoutProb, attentionProbsDropoutProb,
        maxPositionEmbeddings, typeVocabSize, layerNormEps, padTokenId);
  }

  /** The longest sequence the position table covers. */
  public int maxSequenceLength() {
    return modelType == ModelType.ROBERTA ? maxPositionEmbeddings - padTokenId - 1
        : maxPositionEmbeddings;
  }

  /**
   * Parses a Hugging Face {@code config.json}.
   *
   * @throws IllegalArgumentException naming the file when it is not valid JSON, its
   *     {@code model_type} is not one of {@link ModelType}, or a value is out of range
   * @throws IOException when the file cannot be read
   */
  public static BertConfig read(Path configJson) throws IOException {
    return HfConfigFiles.read(configJson, HfJson.class);
  }

  /** The file's fields, preset with the defaults of Hugging Face's {@code BertConfig}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  private static final class HfJson implements HfConfigFiles.Fields<BertConfig> {
    @JsonProperty("model_type") String modelType;
    @JsonProperty("vocab_size") int vocabSize = 30522;
    @JsonProperty("hidden_size") int hiddenSize = 768;
    @JsonProperty("num_hidden_layers") int numHiddenLayers = 12;
    @JsonProperty("num_attention_heads") int numAttentionHeads = 12;
    @JsonProperty("intermediate_size") int intermediateSize = 3072;
    @JsonProperty("hidden_act") String hiddenAct = "gelu";
    @JsonProperty("hidden_dropout_prob") double hiddenDropoutProb = 0.1;
    @JsonProperty("attention_probs_dropout_prob") double attentionProbsDropoutProb = 0.1;
    @JsonProperty("max_position_embeddings") int maxPositionEmbeddings = 512;
    @JsonProperty("type_vocab_size") int typeVocabSize = 2;
    @JsonProperty("layer_norm_eps") double layerNormEps = 1e-12;
    @JsonProperty("pad_token_id") Integer padTokenId;
    @JsonProperty("position_embedding_type") String positionEmbeddingType = "absolute";

    @Override
    public BertConfig toConfig() {
      ModelType type = Arrays.stream(ModelType.values())
          .filter(t -> t.hfName().equals(modelType)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("model_type '" + modelType
              + "' is not supported by BertModel; supported: "
              + Arrays.stream(ModelType.values()).map(ModelType::hfName).toList()));
      if (!"absolute".equals(positionEmbeddingType)) {
        throw new IllegalArgumentException("position_embedding_type '" + positionEmbeddingType
            + "' is not supported; supported: [absolute]");
      }
      int pad = padTokenId != null ? padTokenId : (type == ModelType.ROBERTA ? 1 : 0);
      return new BertConfig(type, vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads,
          intermediateSize, Activation.fromHfName(hiddenAct), hiddenDropoutProb,
          attentionProbsDropoutProb, maxPositionEmbeddings, typeVocabSize, layerNormEps, pad);
    }
  }
}
