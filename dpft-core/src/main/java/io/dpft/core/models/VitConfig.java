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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The architecture of a Vision Transformer, with the fields of a Hugging Face
 * {@code config.json} (Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021). Validated
 * on construction; {@link #read(Path)} parses a config file, filling omitted fields with Hugging
 * Face's {@code ViTConfig} defaults (ViT-Base/16 at 224 px).
 *
 * @param hiddenSize model width d
 * @param numHiddenLayers number of transformer blocks
 * @param numAttentionHeads heads per block; divides {@code hiddenSize}
 * @param intermediateSize width of the MLP inside each block
 * @param hiddenAct the MLP's activation (exact GELU for ViT)
 * @param hiddenDropoutProb dropout on embeddings and block outputs
 * @param attentionProbsDropoutProb dropout on attention probabilities
 * @param layerNormEps epsilon of every layer norm
 * @param imageSize side of the square input image in pixels
 * @param patchSize side of a square patch; divides {@code imageSize}
 * @param numChannels input channels (3 for RGB)
 * @param labels class names by class index ({@code id2label}); the classifier's outputs
 */
public record VitConfig(int hiddenSize, int numHiddenLayers, int numAttentionHeads,
    int intermediateSize, Activation hiddenAct, double hiddenDropoutProb,
    double attentionProbsDropoutProb, double layerNormEps, int imageSize, int patchSize,
    int numChannels, List<String> labels) {

  public VitConfig {
    Objects.requireNonNull(hiddenAct, "hidden_act");
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("intermediate_size", intermediateSize);
    divisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
    probability("hidden_dropout_prob", hiddenDropoutProb);
    probability("attention_probs_dropout_prob", attentionProbsDropoutProb);
    epsilon("layer_norm_eps", layerNormEps);
    positive("image_size", imageSize);
    positive("patch_size", patchSize);
    positive("num_channels", numChannels);
    divisible("image_size", imageSize, "patch_size", patchSize);
    labels = List.copyOf(labels);
  }

  /** Patches per image: {@code (imageSize / patchSize)²}. */
  public int numPatches() {
    int side = imageSize / patchSize;
    return side * side;
  }

  /** Tokens per image: the patches plus the [CLS] token. */
  public int sequenceLength() {
    return numPatches() + 1;
  }

  public int numLabels() {
    return labels.size();
  }

  /**
   * Parses a Hugging Face {@code config.json} of {@code model_type} {@code vit}.
   *
   * @throws IllegalArgumentException naming the file when it is not valid JSON, its
   *     {@code model_type} is not {@code vit}, it disables the q/k/v biases, its
   *     {@code id2label} ids are not 0..n-1, or a value is out of range
   * @throws IOException when the file cannot be read
   */
  public static VitConfig read(Path configJson) throws IOException {
    return HfConfigFiles.read(configJson, HfJson.class);
  }

  /** The file's fields, preset with the defaults of Hugging Face's {@code ViTConfig}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  private static final class HfJson implements HfConfigFiles.Fields<VitConfig> {
    @JsonProperty("model_type") String modelType;
    @JsonProperty("hidden_size") int hiddenSize = 768;
    @JsonProperty("num_hidden_layers") int numHiddenLayers = 12;
    @JsonProperty("num_attention_heads") int numAttentionHeads = 12;
    @JsonProperty("intermediate_size") int intermediateSize = 3072;
    @JsonProperty("hidden_act") String hiddenAct = "gelu";
    @JsonProperty("hidden_dropout_prob") double hiddenDropoutProb = 0.0;
    @JsonProperty("attention_probs_dropout_prob") double attentionProbsDropoutProb = 0.0;
    @JsonProperty("layer_norm_eps") double layerNormEps = 1e-12;
    @JsonProperty("image_size") int imageSize = 224;
    @JsonProperty("patch_size") int patchSize = 16;
    @JsonProperty("num_channels") int numChannels = 3;
    @JsonProperty("qkv_bias") boolean qkvBias = true;
    @JsonProperty("id2label") Map<String, String> id2label;
    @JsonProperty("num_labels") Integer numLabels;

    @Override
    public VitConfig toConfig() {
      HfConfigFiles.modelType("vit", modelType, "VitModel");
      unsupported("qkv_bias", qkvBias, true);
      return new VitConfig(hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
          Activation.fromHfName(hiddenAct), hiddenDropoutProb, attentionProbsDropoutProb,
          layerNormEps, imageSize, patchSize, numChannels, labels());
    }

    /** {@code id2label} in id order; without it, {@code num_labels} (default 2) generic names. */
    private List<String> labels() {
      List<String> labels = new ArrayList<>();
      if (id2label == null) {
        int n = numLabels != null ? numLabels : 2;
        for (int i = 0; i < n; i++) {
          labels.add("LABEL_" + i);
        }
        return labels;
      }
      for (int i = 0; i < id2label.size(); i++) {
        String label = id2label.get(Integer.toString(i));
        if (label == null) {
          throw new IllegalArgumentException("id2label must have the ids 0.." + (id2label.size() - 1)
              + ", got " + id2label.keySet());
        }
        labels.add(label);
      }
      if (numLabels != null && numLabels != labels.size()) {
        throw new IllegalArgumentException("num_labels (" + numLabels
            + ") differs from the size of id2label (" + labels.size() + ")");
      }
      return labels;
    }
  }
}
