package io.dpft.data.datasets.text;

import io.dpft.data.datasets.BadRows;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.Row;
import io.dpft.data.datasets.RowHandler;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns rows into {@link TextExample}s: with a given vocabulary each label is mapped as it is
 * read; otherwise the raw labels are kept until {@link #finish} infers the vocabulary.
 */
final class TextExampleCollector implements RowHandler {
  private final String source;
  private final TextColumns columns;
  private final LabelVocabulary given;
  private final boolean labelColumnMayBeAbsent;
  private final List<String> texts = new ArrayList<>();
  private final List<String> pairs = new ArrayList<>();
  private final List<String> rawLabels = new ArrayList<>();
  private final List<Integer> labels = new ArrayList<>();
  private boolean labelled;

  TextExampleCollector(
      String source, TextColumns columns, LabelVocabulary given, boolean labelColumnMayBeAbsent) {
    this.source = source;
    this.columns = columns;
    this.given = given;
    this.labelColumnMayBeAbsent = labelColumnMayBeAbsent;
    this.labelled = columns.label() != null;
  }

  @Override
  public void header(List<String> header) {
    requireColumn(header, columns.text(), "text");
    if (columns.textPair() != null) {
      requireColumn(header, columns.textPair(), "text-pair");
    }
    if (columns.label() != null && !header.contains(columns.label())) {
      if (!labelColumnMayBeAbsent) {
        requireColumn(header, columns.label(), "label");
      }
      labelled = false;
    }
  }

  private void requireColumn(List<String> header, String column, String role) {
    if (!header.contains(column)) {
      throw new IllegalArgumentException(
          source + ": no " + role + " column '" + column + "' in the header " + header);
    }
  }

  @Override
  public void row(Row row) {
    String text = row.require(columns.text());
    String pair = columns.textPair() == null ? null : row.require(columns.textPair());
    if (!labelled) {
      add(text, pair, null, TextExample.UNLABELED);
      return;
    }
    String raw = row.require(columns.label());
    if (given == null) {
      add(text, pair, raw, TextExample.UNLABELED);
      return;
    }
    int index = given.indexOf(raw);
    if (index < 0) {
      throw row.error(
          columns.label(), "label '" + raw + "' is not one of " + given.names());
    }
    add(text, pair, raw, index);
  }

  private void add(String text, String pair, String raw, int label) {
    texts.add(text);
    pairs.add(pair);
    rawLabels.add(raw);
    labels.add(label);
  }

  TextDataset finish(BadRows bad) {
    LabelVocabulary vocabulary;
    if (!labelled) {
      vocabulary = given == null ? LabelVocabulary.NONE : given;
    } else if (given != null) {
      vocabulary = given;
    } else {
      Set<String> observed = new LinkedHashSet<>(rawLabels);
      vocabulary = LabelVocabulary.inferred(observed);
    }
    List<TextExample> examples = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      int label = labelled && given == null ? vocabulary.indexOf(rawLabels.get(i)) : labels.get(i);
      examples.add(new TextExample(texts.get(i), pairs.get(i), label));
    }
    return new TextDataset(source, examples, vocabulary, bad.toReport());
  }
}
