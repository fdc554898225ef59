package io.dpft.core.io;

import java.util.List;
import java.util.Set;

/**
 * How tensor names in a checkpoint become parameter names of a model: an explicit, ordered list
 * of prefix renames. A file name that is already a parameter name is kept; otherwise the first
 * rule whose {@code filePrefix} matches and whose result is a parameter name wins; otherwise the
 * name stays as it is (and is reported as unexpected).
 *
 * <p>Example: Hugging Face task heads ({@code BertForSequenceClassification}) store the encoder
 * under {@code bert.} ({@code bert.encoder.layer.0.output.dense.bias}), while a bare encoder
 * names it {@code encoder.layer.0.output.dense.bias}; {@link #HF_ENCODER_PREFIXES} strips
 * {@code bert.} and {@code roberta.}.
 */
public record NameMapping(List<Rename> rules) {
  /** No renaming. */
  public static final NameMapping IDENTITY = new NameMapping(List.of());

  /** Strips the {@code bert.} / {@code roberta.} prefix that Hugging Face task heads add. */
  public static final NameMapping HF_ENCODER_PREFIXES =
      new NameMapping(List.of(new Rename("bert.", ""), new Rename("roberta.", "")));

  /** Replaces {@code filePrefix} at the start of a checkpoint name by {@code modelPrefix}. */
  public record Rename(String filePrefix, String modelPrefix) {
    public Rename {
      if (filePrefix == null || modelPrefix == null || filePrefix.equals(modelPrefix)) {
        throw new IllegalArgumentException("a rename needs two different prefixes, got '"
            + filePrefix + "' -> '" + modelPrefix + "'");
      }
    }
  }

  public NameMapping {
    rules = List.copyOf(rules);
  }

  /** The parameter name for checkpoint tensor {@code fileName}, given the model's names. */
  public String parameterName(String fileName, Set<String> parameterNames) {
    if (parameterNames.contains(fileName)) {
      return fileName;
    }
    for (Rename rule : rules) {
      if (fileName.startsWith(rule.filePrefix())) {
        String renamed = rule.modelPrefix() + fileName.substring(rule.filePrefix().length());
        if (parameterNames.contains(renamed)) {
          return renamed;
        }
      }
    }
    return fileName;
  }
}
