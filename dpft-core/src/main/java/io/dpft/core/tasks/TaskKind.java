package io.dpft.core.tasks;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a run fine-tunes a model for: the {@code --task} of {@code dpft train}, {@code eval} and
 * {@code predict}, and the {@code task} a run's {@code config.json} records.
 */
public enum TaskKind {
  /** Single sentences or pairs to labels (GLUE-style), with a BERT-family encoder. */
  TEXT_CLASSIFICATION("text-classification"),
  /** Table-to-text generation (E2E-style): loss on the target tokens only, with GPT-2. */
  CAUSAL_LM("causal-lm"),
  /** Images to labels (CIFAR / Fashion-MNIST style), with ViT. */
  IMAGE_CLASSIFICATION("image-classification");

  private final String cliName;

  TaskKind(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line and in {@code config.json}. */
  public String cliName() {
    return cliName;
  }

  /**
   * The task called {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the tasks there are
   */
  public static TaskKind parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(kind -> kind.cliName.equals(wanted))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "task must be one of "
                        + Arrays.stream(values())
                            .map(TaskKind::cliName)
                            .collect(Collectors.joining(", "))
                        + ", got '"
                        + name
                        + "'"));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
