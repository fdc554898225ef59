package io.dpft.data.metrics;

import java.util.List;

/** The argument checks shared by the generation metrics. */
final class GenerationInputs {
  private GenerationInputs() {}

  /** One reference list per hypothesis, each with at least one reference. */
  static void check(List<String> hypotheses, List<List<String>> references) {
    if (hypotheses.size() != references.size()) {
      throw new IllegalArgumentException(
          "need one reference list per hypothesis, got "
              + hypotheses.size()
              + " hypotheses and "
              + references.size()
              + " reference lists");
    }
    for (int i = 0; i < references.size(); i++) {
      if (references.get(i).isEmpty()) {
        throw new IllegalArgumentException("hypothesis " + i + " has no reference");
      }
    }
  }
}
