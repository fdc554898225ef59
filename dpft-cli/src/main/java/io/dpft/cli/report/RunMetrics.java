package io.dpft.cli.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.dpft.core.train.MetricsLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The lines of a run's {@value MetricsLog#FILE} (written by {@link MetricsLog}): {@code "type":
 * "train"} steps and {@code "type": "eval"} evaluations, in file order.
 *
 * <p>Reading is strict, so that a report never silently leaves out data: a line that is not a JSON
 * object, has no {@code type}, or lacks a required field (train: step, epoch, epsilon; eval:
 * step, epoch, split) or holds a non-number in a numeric field fails with the file and the 1-based
 * line number. Blank lines, and lines of a type other than train or eval (kept for later
 * additions), are passed over. Non-finite values, which Jackson writes as the strings {@code "NaN"}
 * and {@code "Infinity"}, read as such.
 */
record RunMetrics(List<TrainPoint> train, List<EvalPoint> evals) {

  /**
   * One optimizer step: its 1-based number, the epoch reached, mean loss (NaN where the run
   * omitted its batch statistics), ε spent so far.
   */
  record TrainPoint(
      long step, double epoch, double loss, double epsilon, Map<String, Double> more) {
    TrainPoint {
      more = Collections.unmodifiableMap(new LinkedHashMap<>(more));
    }
  }

  /**
   * One evaluation of {@code split} after {@code step}, its metrics by name (accuracy, f1, ...).
   */
  record EvalPoint(long step, double epoch, String split, Map<String, Double> metrics) {
    EvalPoint {
      metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
  }

  private static final Set<String> TRAIN_FIELDS =
      Set.of("type", "step", "epoch", "loss", "epsilon");
  private static final Set<String> EVAL_FIELDS = Set.of("type", "step", "epoch", "split");

  RunMetrics {
    train = List.copyOf(train);
    evals = List.copyOf(evals);
  }

  /** The last training step, if any was logged. */
  Optional<TrainPoint> lastStep() {
    return train.isEmpty() ? Optional.empty() : Optional.of(train.get(train.size() - 1));
  }

  /** The last evaluation of each split, splits in order of first appearance. */
  Map<String, EvalPoint> lastEvalBySplit() {
    Map<String, EvalPoint> last = new LinkedHashMap<>();
    evals.forEach(e -> last.put(e.split(), e));
    return last;
  }

  /**
   * Reads {@code file}.
   *
   * @throws IllegalArgumentException naming the file (and line) when it is missing or a line is
   *     malformed
   */
  static RunMetrics read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          file + " is missing: the run logged no metrics (did training start?)");
    }
    List<TrainPoint> train = new ArrayList<>();
    List<EvalPoint> evals = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long number = 0;
      for (String text = reader.readLine(); text != null; text = reader.readLine()) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        Line line = new Line(file, number, JsonLines.object(file.toString(), number, text));
        String type = line.text("type");
        if (type.equals("train")) {
          train.add(
              new TrainPoint(
                  line.step(),
                  line.number("epoch"),
                  line.has("loss") ? line.number("loss") : Double.NaN,
                  line.number("epsilon"),
                  line.otherNumbers(TRAIN_FIELDS)));
        } else if (type.equals("eval")) {
          evals.add(
              new EvalPoint(
                  line.step(),
                  line.number("epoch"),
                  line.text("split"),
                  line.otherNumbers(EVAL_FIELDS)));
        }
      }
    }
    return new RunMetrics(train, evals);
  }

  private static IllegalArgumentException malformed(Path file, long line, String problem) {
    return JsonLines.malformed(file.toString(), line, problem);
  }

  /** One parsed line, with field access that names the file and line on failure. */
  private record Line(Path file, long number, JsonNode node) {
    String text(String field) {
      JsonNode value = node.get(field);
      if (value == null || !value.isTextual()) {
        throw malformed(file, number, "field '" + field + "' must be a string, got " + value);
      }
      return value.asText();
    }

    long step() {
      JsonNode value = node.get("step");
      if (value == null || !value.canConvertToExactIntegral() || value.asLong() < 0) {
        throw malformed(file, number, "field 'step' must be an integer >= 0, got " + value);
      }
      return value.asLong();
    }

    boolean has(String field) {
      return node.has(field);
    }

    double number(String field) {
      Double value = asNumber(node.get(field));
      if (value == null) {
        throw malformed(
            file, number, "field '" + field + "' must be a number, got " + node.get(field));
      }
      return value;
    }

    /** Every numeric field not in {@code known}; other fields (strings, objects) are left out. */
    Map<String, Double> otherNumbers(Set<String> known) {
      Map<String, Double> more = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        Double value = asNumber(field.getValue());
        if (!known.contains(field.getKey()) && value != null) {
          more.put(field.getKey(), value);
        }
      }
      return more;
    }

    /** A JSON number, or Jackson's string form of a non-finite double; null otherwise. */
    private static Double asNumber(JsonNode value) {
      if (value == null) {
        return null;
      }
      if (value.isNumber()) {
        return value.doubleValue();
      }
      if (value.isTextual()) {
        switch (value.asText()) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            return null;
        }
      }
      return null;
    }
  }
}
