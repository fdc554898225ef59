package io.dpft.core.models;

import io.dpft.core.io.NameMapping;
import io.dpft.core.io.WeightLoader;
import io.dpft.core.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The loading rule the {@code Pretrained*} loaders share: a Hugging Face directory's weights go
 * into a freshly built model; a task head (parameters under given name prefixes) that the
 * checkpoint lacks, or holds at another shape (another number of labels), keeps its fresh
 * initialisation and is reported; any other missing or mis-shaped tensor is an error naming the
 * directory and the tensors. Tensors in the file that the model has no use for (another task's
 * head, a pooler) are passed over.
 */
final class PretrainedWeights {
  private PretrainedWeights() {}

  /**
   * {@code directory/config.json}.
   *
   * @throws IllegalArgumentException when it is missing
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
   * Copies the checkpoint in {@code directory} into {@code model}; closes the model if that fails.
   *
   * @return the names of the head parameters left at their initialisation
   * @throws IllegalArgumentException naming the directory and up to five tensors when a parameter
   *     outside {@code headPrefixes} is missing from the checkpoint or has another shape there
   */
  static List<String> load(
      Path directory, Module model, NameMapping mapping, List<String> headPrefixes)
      throws IOException {
    try {
      WeightLoader.LoadReport report =
          WeightLoader.load(directory, model.namedParameters(), WeightLoader.Mode.LENIENT, mapping);
      List<String> fresh = new ArrayList<>();
      List<String> missingBody = new ArrayList<>();
      for (String name : report.missing()) {
        (isHead(name, headPrefixes) ? fresh : missingBody).add(name);
      }
      List<String> mismatchedBody = new ArrayList<>();
      for (WeightLoader.ShapeMismatch m : report.mismatched()) {
        if (isHead(m.parameter(), headPrefixes)) {
          fresh.add(m.parameter());
        } else {
          mismatchedBody.add(m.toString());
        }
      }
      if (!missingBody.isEmpty()) {
        throw new IllegalArgumentException("checkpoint " + directory + " lacks "
            + missingBody.size() + " tensors of the model body, e.g. " + firstFive(missingBody));
      }
      if (!mismatchedBody.isEmpty()) {
        throw new IllegalArgumentException("checkpoint " + directory + " does not fit its "
            + "config.json: " + mismatchedBody.size() + " shape mismatches, e.g. "
            + firstFive(mismatchedBody));
      }
      return fresh;
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  private static boolean isHead(String parameter, List<String> headPrefixes) {
    return headPrefixes.stream().anyMatch(parameter::startsWith);
  }

  private static List<String> firstFive(List<String> names) {
    return names.subList(0, Math.min(5, names.size()));
  }
}
