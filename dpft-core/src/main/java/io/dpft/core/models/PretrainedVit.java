package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import java.io.IOException;
import java.nio.file.Path;
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
}
