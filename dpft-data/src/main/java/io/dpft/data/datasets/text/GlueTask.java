package io.dpft.data.datasets.text;

import io.dpft.data.datasets.LabelVocabulary;
import java.util.List;

/**
 * The GLUE tasks (Wang et al., 2019, "GLUE: A Multi-Task Benchmark and Analysis Platform for
 * Natural Language Understanding", ICLR) read from the TSV files of the GLUE distribution, with
 * their standard header columns. Label order follows the Hugging Face {@code datasets} GLUE
 * builder, so label indices match checkpoints fine-tuned with it. Test files have no label column
 * and read as unlabelled.
 *
 * <p>CoLA (no header line) and STS-B (a regression target) are not covered.
 */
public enum GlueTask {
  /** SST-2 sentiment: {@code sentence}, {@code label} in {0 = negative, 1 = positive}. */
  SST2(TextColumns.single("sentence", "label"), LabelVocabulary.of("0", "1"), List.of("dev.tsv")),
  /** QNLI: {@code question}, {@code sentence}, {@code label}. */
  QNLI(
      TextColumns.pair("question", "sentence", "label"),
      LabelVocabulary.of("entailment", "not_entailment"),
      List.of("dev.tsv")),
  /** QQP: {@code question1}, {@code question2}, {@code is_duplicate} in {0, 1}. */
  QQP(
      TextColumns.pair("question1", "question2", "is_duplicate"),
      LabelVocabulary.of("0", "1"),
      List.of("dev.tsv")),
  /**
   * MNLI: {@code sentence1} (premise), {@code sentence2} (hypothesis), {@code gold_label};
   * validation is {@code dev_matched.tsv} (genres seen in training) and {@code
   * dev_mismatched.tsv} (unseen genres).
   */
  MNLI(
      TextColumns.pair("sentence1", "sentence2", "gold_label"),
      LabelVocabulary.of("entailment", "neutral", "contradiction"),
      List.of("dev_matched.tsv", "dev_mismatched.tsv")),
  /** MRPC: {@code #1 String}, {@code #2 String}, {@code Quality} in {0, 1 = equivalent}. */
  MRPC(
      TextColumns.pair("#1 String", "#2 String", "Quality"),
      LabelVocabulary.of("0", "1"),
      List.of("dev.tsv")),
  /** RTE: {@code sentence1}, {@code sentence2}, {@code label}. */
  RTE(
      TextColumns.pair("sentence1", "sentence2", "label"),
      LabelVocabulary.of("entailment", "not_entailment"),
      List.of("dev.tsv")),
  /** WNLI: {@code sentence1}, {@code sentence2}, {@code label} in {0, 1}. */
  WNLI(
      TextColumns.pair("sentence1", "sentence2", "label"),
      LabelVocabulary.of("0", "1"),
      List.of("dev.tsv"));

  private final TextColumns columns;
  private final LabelVocabulary labels;
  private final List<String> validationFiles;

  GlueTask(TextColumns columns, LabelVocabulary labels, List<String> validationFiles) {
    this.columns = columns;
    this.labels = labels;
    this.validationFiles = validationFiles;
  }

  public TextColumns columns() {
    return columns;
  }

  public LabelVocabulary labels() {
    return labels;
  }

  /** The training file's name in the GLUE distribution. */
  public String trainFile() {
    return "train.tsv";
  }

  /** The validation files' names: one, or MNLI's matched and mismatched. */
  public List<String> validationFiles() {
    return validationFiles;
  }
}
