package io.dpft.core.tasks;

import io.dpft.core.CliNamed;

/**
 * What a run fine-tunes a model for: the {@code --task} of {@code dpft train}, {@code eval} and
 * {@code predict}, and the {@code task} a run's {@code config.json} records.
 */
public enum TaskKind implements CliNamed {
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
  @Override
  public String cliName() {
    return cliName;
  }

  /**
   * The task called {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the tasks there are
   */
  public static TaskKind parse(String name) {
    return CliNamed.parse(TaskKind.class, "task", name);
  }

  @Override
  public String toString() {
    return cliName;
  }
}
