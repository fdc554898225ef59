package io.dpft.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code dpft train --config FILE}: a run described in a file, YAML or JSON (which YAML reads too).
 * Every option of {@code dpft train} is a key, spelled as the flag without its dashes ({@code
 * epochs: 3}, {@code target-epsilon: 8}, {@code omit-batch-statistics: true}); flags given on the
 * command line override the file. A run's own {@code config.json} is such a file too: its {@code
 * output.command} holds every option the run was started with, by flag.
 */
final class RunFile {
  private static final YAMLMapper YAML = new YAMLMapper();

  private RunFile() {}

  /**
   * The options in {@code file}, by flag ({@code --epochs} → "3").
   *
   * @throws IllegalArgumentException naming the file when it cannot be read or is not a mapping of
   *     options to values
   */
  static Map<String, String> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--config " + file + ": no such file");
    }
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (JacksonException e) {
      throw new IllegalArgumentException("--config " + file + " is not valid YAML or JSON: "
          + e.getOriginalMessage(), e);
    }
    JsonNode recorded = root == null ? null : root.path("output").path("command");
    JsonNode options = recorded != null && recorded.isObject() ? recorded : root;
    if (options == null || !options.isObject()) {
      throw new IllegalArgumentException("--config " + file + " must map option names to values"
          + " (e.g. 'epochs: 3'), or be a run's config.json");
    }
    Map<String, String> byFlag = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> option = it.next();
      JsonNode value = option.getValue();
      if (!value.isValueNode() || value.isNull()) {
        throw new IllegalArgumentException("--config " + file + ": " + option.getKey()
            + " must be a single value, got " + value);
      }
      String key = option.getKey();
      byFlag.put(key.startsWith("--") ? key : "--" + key, value.asText());
    }
    return byFlag;
  }
}
