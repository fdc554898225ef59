package io.dpft.data.datasets.table;

import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Table-to-text inputs, each with all its references (for evaluation), and what reading them
 * skipped. {@link #trainingPairs()} flattens them to one (prompt, target) pair per reference for
 * causal LM training.
 */
public record TableToTextDataset(
    String source, List<TableToTextExample> examples, SkipReport skipped) {
  /** One causal LM training example: condition on {@code prompt}, learn to write {@code target}. */
  public record PromptTarget(String prompt, String target) {}

  public TableToTextDataset {
    Objects.requireNonNull(source, "source");
    examples = List.copyOf(examples);
    Objects.requireNonNull(skipped, "skipped");
  }

  public int size() {
    return examples.size();
  }

  /** Number of references over all inputs (= number of rows read). */
  public int referenceCount() {
    return examples.stream().mapToInt(e -> e.references().size()).sum();
  }

  public List<PromptTarget> trainingPairs() {
    List<PromptTarget> pairs = new ArrayList<>(referenceCount());
    for (TableToTextExample example : examples) {
      for (String reference : example.references()) {
        pairs.add(new PromptTarget(example.prompt(), reference));
      }
    }
    return pairs;
  }
}
