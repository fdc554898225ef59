package io.dpft.data.datasets;

import java.util.List;
import java.util.Objects;

/**
 * One table-to-text input with every reference written for it (E2E: several human references per
 * meaning representation, all used by multi-reference BLEU and ROUGE-L).
 *
 * @param meaningRepresentation the input as given, e.g. {@code name[The Vaults], eatType[pub]}
 * @param prompt the linearised table a causal LM is conditioned on, e.g. {@code name : The Vaults
 *     | Type : pub}
 * @param references the target texts, at least one
 */
public record TableToTextExample(
    String meaningRepresentation, String prompt, List<String> references) {
  public TableToTextExample {
    Objects.requireNonNull(meaningRepresentation, "meaningRepresentation");
    Objects.requireNonNull(prompt, "prompt");
    references = List.copyOf(references);
    if (references.isEmpty()) {
      throw new IllegalArgumentException(
          "references must hold at least one text, got none for " + meaningRepresentation);
    }
  }
}
