package io.dpft.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The candidates of {@code dpft tune}: every combination of the values of its {@code --try
 * OPTION=V1,V2,...} options, in order, or the default grid (the learning rate at ½, 1 and 2
 * times the method's default).
 */
final class TuningGrid {
  private TuningGrid() {}

  /**
   * The candidates, each a map from train option (without "--") to value.
   *
   * @throws IllegalArgumentException naming a malformed {@code --try} or a repeated option
   */
  static List<Map<String, String>> of(List<String> tries, double defaultLearningRate) {
    if (tries.isEmpty()) {
      tries =
          List.of(String.format(Locale.ROOT, "lr=%s,%s,%s", defaultLearningRate / 2,
              defaultLearningRate, 2 * defaultLearningRate));
    }
    List<Map<String, String>> grid = new ArrayList<>();
    grid.add(new LinkedHashMap<>());
    for (String option : tries) {
      String[] keyValues = option.split("=", 2);
      String key = keyValues[0].replaceFirst("^--", "");
      if (keyValues.length != 2 || key.isBlank() || keyValues[1].isBlank()) {
        throw new IllegalArgumentException(
            "--try " + option + " must be OPTION=V1,V2,... (e.g. --try lr=1e-3,5e-3)");
      }
      if (grid.get(0).containsKey(key)) {
        throw new IllegalArgumentException("--try " + key + " is given twice; list its values once");
      }
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> candidate : grid) {
        for (String value : keyValues[1].split(",")) {
          Map<String, String> extended = new LinkedHashMap<>(candidate);
          extended.put(key, value.trim());
          next.add(extended);
        }
      }
      grid = next;
    }
    return grid;
  }
}
