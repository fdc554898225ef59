package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import io.dpft.core.io.WeightLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loads a Hugging Face BERT/RoBERTa directory ({@code config.json} + safetensors) into a
 * {@link BertModel}, possibly with a fresh task head: the head ({@code classifier.*}, and the
 * pooler when the checkpoint has none) keeps its initialisation; any other missing tensor is an
 * error.
 */
public final class PretrainedBert {
  private PretrainedBert() {}

  /** The loaded model and the names of the parameters that kept their fresh initialisation. */
  public record Loaded(BertModel model, List<String> freshlyInitialised) {}

  public static Loaded load(Path directory, BertModel.Options options) throws IOException {
    Path config = directory.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException(
          "not a model directory: " + config + " is missing (expected a Hugging Face model dir)");
    }
    BertModel model = new BertModel(BertConfig.read(config), options);
    try {
      WeightLoader.LoadReport report =
          WeightLoader.load(
              directory,
              model.namedParameters(),
              WeightLoader.Mode.LENIENT,
              NameMapping.HF_ENCODER_PREFIXES);
      List<String> missingBody =
          report.missing().stream()
              .filter(n -> !n.startsWith("classifier.") && !n.startsWith("pooler."))
              .collect(Collectors.toList());
      if (!missingBody.isEmpty()) {
        throw new IllegalArgumentException(
            "checkpoint " + directory + " lacks " + missingBody.size() + " encoder tensors, e.g. "
                + missingBody.subList(0, Math.min(5, missingBody.size())));
      }
      return new Loaded(model, report.missing());
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
