package io.dpft.core.runs;

import io.dpft.data.datasets.LabelVocabulary;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A classifier's answer for one input: the most probable label (the first on a tie) and the
 * probability of every label, in the run's label order.
 */
public record ClassPrediction(String label, Map<String, Float> probabilities) {
  public ClassPrediction {
    Objects.requireNonNull(label, "label");
    if (!probabilities.containsKey(label)) {
      throw new IllegalArgumentException(
          "label " + label + " is not among the labels " + probabilities.keySet());
    }
    probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
  }

  /** One prediction per row of {@code probabilities}, whose columns are {@code labels}. */
  static List<ClassPrediction> of(float[][] probabilities, LabelVocabulary labels) {
    List<ClassPrediction> predictions = new ArrayList<>(probabilities.length);
    for (float[] row : probabilities) {
      Map<String, Float> byLabel = new LinkedHashMap<>();
      int best = 0;
      for (int k = 0; k < row.length; k++) {
        byLabel.put(labels.name(k), row[k]);
        if (row[k] > row[best]) {
          best = k;
        }
      }
      predictions.add(new ClassPrediction(labels.name(best), byLabel));
    }
    return predictions;
  }
}
