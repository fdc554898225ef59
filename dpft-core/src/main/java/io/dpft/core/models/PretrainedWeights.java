package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The steps every {@code Pretrained*} loader shares: find a Hugging Face model directory's
 * {@code config.json}, copy its safetensors weights into a freshly built model, and fail, naming
 * the directory and the tensors, when a tensor the model needs is missing or has the wrong shape.
 * Tensors in the file that the model has no parameter for (other heads, buffers) are ignored.
 */
final class PretrainedWeights {
  private PretrainedWeights() {}

  /**
   * {@code directory/config.json}.
   *
   * @throws IllegalArgumentException when it does not exist
   */
  static Path configFile(Path directory) {
    Path config = directory.resolve("config.json");
    if (!Files.isRegularFile(config)) {
      throw new IllegalArgumentException(
          "not a model directory: " + config + " is missing (expected a Hugging Face model dir)");
    }
    return config;
  }

  /**
   * Loads the checkpoint in {@code directory} into {@code model}; closes the model on failure.
   *
   * @param mayStayFresh parameters that may be missing from the file (a fresh task head): they
   *     keep their initialisation and are listed in the report's {@code missing}
   * @throws IllegalArgumentException naming the directory and up to five tensors when any other
   *     parameter is missing, or a tensor's shape does not match its parameter
   */
  static WeightLoader.LoadReport load(
      Module model, Path directory, NameMapping mapping, Predicate<String> mayStayFresh)
      throws IOException {
    try {
      WeightLoader.LoadReport report =
          WeightLoader.load(directory, model.namedParameters(), WeightLoader.Mode.LENIENT, mapping);
      if (!report.mismatched().isEmpty()) {
        throw new IllegalArgumentException(
            "checkpoint " + directory + " does not fit its config.json: " + report.mismatched());
      }
      List<String> missing =
          report.missing().stream().filter(mayStayFresh.negate()).collect(Collectors.toList());
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException(
            "checkpoint " + directory + " lacks " + missing.size() + " tensors the model needs,"
                + " e.g. " + missing.subList(0, Math.min(5, missing.size())));
      }
      return report;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
