package io.dpft.core.models;

import static io.dpft.core.models.HfConfigFiles.divisible;
import static io.dpft.core.models.HfConfigFiles.epsilon;
import static io.dpft.core.models.HfConfigFiles.positive;
import static io.dpft.core.models.HfConfigFiles.probability;
import static io.dpft.core.models.HfConfigFiles.unsupported;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dpft.core.nn.Activation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The architecture of a GPT-2 decoder, with the fields of a Hugging Face {@code config.json}
 * (Radford et al., "Language Models are Unsupervised Multitask Learners", 2019). Validated on
 * construction; {@link #read(Path)} parses a config file, filling omitted fields with Hugging
 * Face's {@code GPT2Config} defaults (GPT-2 small).
 *
 * @param vocabSize rows of the token embedding {@code wte} (also the LM head's outputs)
 * @param nPositions rows of the position embedding {@code wpe}: the longest sequence
 * @param nEmbd model width d
 * @param nLayer number of transformer blocks
 * @param nHead heads per block; divides {@code nEmbd}
 * @param nInner width of the MLP inside each block (Hugging Face: {@code 4 nEmbd} when null)
 * @param activationFunction the MLP's activation ({@code gelu_new}: tanh approximation)
 * @param residPdrop dropout after each block's output projections
 * @param embdPdrop dropout on the summed embeddings
 * @param attnPdrop dropout on the attention probabilities
 * @param layerNormEpsilon epsilon of every layer norm
 * @param bosTokenId id of the beginning-of-sequence token
 * @param eosTokenId id of the end-of-sequence token (GPT-2 also pads with it)
 */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead,
    int nInner, Activation activationFunction, double residPdrop, double embdPdrop,
    double attnPdrop, double layerNormEpsilon, int bosTokenId, int eosTokenId) {

  public Gpt2Config {
    Objects.requireNonNull(activationFunction, "activation_function");
    positive("vocab_size", vocabSize);
    positive("n_positions", nPositions);
    positive("n_embd", nEmbd);
    positive("n_layer", nLayer);
    positive("n_head", nHead);
    positive("n_inner", nInner);
    divisible("n_embd", nEmbd, "n_head", nHead);
    probability("resid_pdrop", residPdrop);
    probability("embd_pdrop", embdPdrop);
    probability("attn_pdrop", attnPdrop);
    epsilon("layer_norm_epsilon", layerNormEpsilon);
    tokenId("bos_token_id", bosTokenId, vocabSize);
    tokenId("eos_token_id", eosTokenId, vocabSize);
  }

  private static void tokenId(String key, int id, int vocabSize) {
    if (id < 0 || id >= vocabSize) {
      throw new IllegalArgumentException(key + " must be in [0, vocab_size=" + vocabSize
          + "), got " + id);
    }
  }

  /**
   * Parses a Hugging Face {@code config.json} of {@code model_type} {@code gpt2}.
   *
   * @throws IllegalArgumentException naming the file when it is not valid JSON, its
   *     {@code model_type} is not {@code gpt2}, it asks for an option this model does not
   *     implement (untied LM head, cross-attention, other attention scalings) or a value is out of
   *     range
   * @throws IOException when the file cannot be read
   */
  public static Gpt2Config read(Path configJson) throws IOException {
    return HfConfigFiles.read(configJson, HfJson.class);
  }

  /** The file's fields, preset with the defaults of Hugging Face's {@code GPT2Config}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  private static final class HfJson implements HfConfigFiles.Fields<Gpt2Config> {
    @JsonProperty("model_type") String modelType;
    @JsonProperty("vocab_size") int vocabSize = 50257;
    @JsonProperty("n_positions") int nPositions = 1024;
    @JsonProperty("n_embd") int nEmbd = 768;
    @JsonProperty("n_layer") int nLayer = 12;
    @JsonProperty("n_head") int nHead = 12;
    @JsonProperty("n_inner") Integer nInner;
    @JsonProperty("activation_function") String activationFunction = "gelu_new";
    @JsonProperty("resid_pdrop") double residPdrop = 0.1;
    @JsonProperty("embd_pdrop") double embdPdrop = 0.1;
    @JsonProperty("attn_pdrop") double attnPdrop = 0.1;
    @JsonProperty("layer_norm_epsilon") double layerNormEpsilon = 1e-5;
    @JsonProperty("bos_token_id") int bosTokenId = 50256;
    @JsonProperty("eos_token_id") int eosTokenId = 50256;
    @JsonProperty("tie_word_embeddings") boolean tieWordEmbeddings = true;
    @JsonProperty("add_cross_attention") boolean addCrossAttention = false;
    @JsonProperty("scale_attn_weights") boolean scaleAttnWeights = true;
    @JsonProperty("scale_attn_by_inverse_layer_idx") boolean scaleAttnByInverseLayerIdx = false;

    @Override
    public Gpt2Config toConfig() {
      HfConfigFiles.modelType("gpt2", modelType, "Gpt2Model");
      unsupported("tie_word_embeddings", tieWordEmbeddings, true);
      unsupported("add_cross_attention", addCrossAttention, false);
      unsupported("scale_attn_weights", scaleAttnWeights, true);
      unsupported("scale_attn_by_inverse_layer_idx", scaleAttnByInverseLayerIdx, false);
      return new Gpt2Config(vocabSize, nPositions, nEmbd, nLayer, nHead,
          nInner != null ? nInner : 4 * nEmbd, Activation.fromHfName(activationFunction),
          residPdrop, embdPdrop, attnPdrop, layerNormEpsilon, bosTokenId, eosTokenId);
    }
  }
}
