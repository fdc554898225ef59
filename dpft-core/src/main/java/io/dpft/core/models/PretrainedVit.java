package io.dpft.core.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpft.core.io.NameMapping;
import io.dpft.data.datasets.image.ImageTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loads a Hugging Face ViT directory ({@code config.json} + safetensors) into a {@link VitModel}
 * with a classifier of a chosen number of labels (Dosovitskiy et al., "An Image is Worth 16x16
 * Words", ICLR 2021). Checkpoints of {@code ViTForImageClassification} ({@code vit.embeddings.*},
 * {@code classifier.*}) and of the bare {@code ViTModel} ({@code embeddings.*}, no {@code vit.}
 * prefix, usually a {@code pooler.*} that ViT classification does not use) both load. The
 * classifier keeps its fresh initialisation when the checkpoint has none or one of another number
 * of labels, and is then listed in {@link Loaded#freshlyInitialised()}; any other missing or
 * mis-shaped tensor is an error naming the directory and the tensor.
 */
public final class PretrainedVit {
  /** Bare {@code ViTModel} names to {@code ViTForImageClassification} names. */
  static final NameMapping HF_VIT_PREFIXES = new NameMapping(List.of(
      new NameMapping.Rename("embeddings.", "vit.embeddings."),
      new NameMapping.Rename("encoder.", "vit.encoder."),
      new NameMapping.Rename("layernorm.", "vit.layernorm.")));

  private static final List<String> HEAD = List.of("classifier.");

  /** The image processor's settings file beside {@code config.json}, optional. */
  public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

  /** {@code ViTImageProcessor}'s default mean and std (IMAGENET_STANDARD_MEAN / _STD). */
  private static final float DEFAULT_MEAN_STD = 0.5f;

  private static final ObjectMapper JSON = new ObjectMapper();

  private PretrainedVit() {}

  /** The loaded model and the names of the parameters that kept their fresh initialisation. */
  public record Loaded(VitModel model, List<String> freshlyInitialised) {}

  /**
   * @param numLabels outputs of the classifier, at least 1
   * @throws IllegalArgumentException naming the file when {@code config.json} is missing or
   *     invalid, and naming the tensors when the checkpoint does not fit it
   */
  public static Loaded load(Path directory, int numLabels) throws IOException {
    if (numLabels < 1) {
      throw new IllegalArgumentException("numLabels must be >= 1, got " + numLabels);
    }
    VitModel model =
        new VitModel(VitConfig.read(PretrainedWeights.configFile(directory)), numLabels);
    return new Loaded(model, PretrainedWeights.load(directory, model, HF_VIT_PREFIXES, HEAD));
  }

  /**
   * How images must be prepared for the model in {@code directory}: resized to its
   * {@code image_size}, converted to its {@code num_channels}, scaled to [0, 1] and normalised
   * with {@code image_mean} / {@code image_std} of {@value #PREPROCESSOR_CONFIG} (one value or
   * one per channel; {@code do_normalize: false} for none), or with Hugging Face
   * {@code ViTImageProcessor}'s defaults, 0.5 and 0.5, when that file is absent.
   *
   * @throws IllegalArgumentException naming the file when a value is malformed
   */
  public static ImageTransform imageTransform(Path directory) throws IOException {
    VitConfig config = VitConfig.read(PretrainedWeights.configFile(directory));
    int channels = config.numChannels();
    Path file = directory.resolve(PREPROCESSOR_CONFIG);
    if (!Files.isRegularFile(file)) {
      return ImageTransform.uniform(
          config.imageSize(), channels, DEFAULT_MEAN_STD, DEFAULT_MEAN_STD);
    }
    JsonNode json;
    try {
      json = JSON.readTree(file.toFile());
    } catch (JacksonException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!json.path("do_normalize").asBoolean(true)) {
      return ImageTransform.scaleOnly(config.imageSize(), channels);
    }
    return new ImageTransform(config.imageSize(), channels,
        perChannel(file, json, "image_mean", channels), perChannel(file, json, "image_std", channels));
  }

  private static float[] perChannel(Path file, JsonNode json, String key, int channels) {
    JsonNode node = json.get(key);
    float[] values = new float[channels];
    if (node == null) {
      Arrays.fill(values, DEFAULT_MEAN_STD);
      return values;
    }
    if (node.isNumber() || node.isArray() && node.size() == 1) {
      Arrays.fill(values, (float) (node.isNumber() ? node : node.get(0)).asDouble());
      return values;
    }
    if (!node.isArray() || node.size() != channels) {
      throw new IllegalArgumentException(file + ": " + key + " must be a number or " + channels
          + " numbers (num_channels), got " + node);
    }
    for (int c = 0; c < channels; c++) {
      values[c] = (float) node.get(c).asDouble();
    }
    return values;
  }
}
