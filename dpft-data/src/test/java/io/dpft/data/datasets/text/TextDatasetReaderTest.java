package io.dpft.data.datasets.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.MalformedRowException;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextDatasetReaderTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void csv_quotedFields_roundTripWithInferredSortedLabels() throws IOException {
    Path file =
        write(
            "reviews.csv",
            "id,review,sentiment\n"
                + "1,\"Great, really great\",pos\n"
                + "2,\"He said \"\"meh\"\"\nthen left\",neg\n"
                + "3,plain,pos\n");
    TextDataset data =
        TextDatasetReader.csv(file, TextReadOptions.of(TextColumns.single("review", "sentiment")));
    assertThat(data.labels().names()).containsExactly("neg", "pos");
    assertThat(data.examples())
        .containsExactly(
            TextExample.single("Great, really great", 1),
            TextExample.single("He said \"meh\"\nthen left", 0),
            TextExample.single("plain", 1));
    assertThat(data.labelCounts()).containsExactly(1, 2);
    assertThat(data.skipped().skipped()).isZero();
  }

  @Test
  void csv_pairColumns_readAsPairs() throws IOException {
    Path file = write("nli.csv", "premise,hypothesis,label\nA man sleeps,A person rests,0\n");
    TextDataset data =
        TextDatasetReader.csv(
            file, TextReadOptions.of(TextColumns.pair("premise", "hypothesis", "label")));
    assertThat(data.get(0)).isEqualTo(new TextExample("A man sleeps", "A person rests", 0));
  }

  @Test
  void csv_unknownLabel_throwsWithLineAndColumn() throws IOException {
    Path file = write("r.csv", "text,label\ngood,pos\nbad,neg\nodd,maybe\n");
    TextReadOptions options =
        TextReadOptions.of(TextColumns.single("text", "label"))
            .withLabels(LabelVocabulary.of("neg", "pos"));
    assertThatThrownBy(() -> TextDatasetReader.csv(file, options))
        .isInstanceOfSatisfying(
            MalformedRowException.class,
            e -> {
              assertThat(e.line()).isEqualTo(4);
              assertThat(e.column()).isEqualTo(5);
            })
        .hasMessage(file + ", line 4, column 5: label 'maybe' is not one of [neg, pos]");
  }

  @Test
  void csv_wrongFieldCount_throwsWithLine() throws IOException {
    Path file = write("r.csv", "text,label\ngood,pos\nno label here\n");
    assertThatThrownBy(
            () ->
                TextDatasetReader.csv(file, TextReadOptions.of(TextColumns.single("text", "label"))))
        .isInstanceOf(MalformedRowException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("expected 2 fields");
  }

  @Test
  void csv_skipBadRows_countsAndReportsSkipped() throws IOException {
    Path file = write("r.csv", "text,label\ngood,pos\nshort\nbad,neg\nodd,maybe\n");
    TextReadOptions options =
        TextReadOptions.of(TextColumns.single("text", "label"))
            .withLabels(LabelVocabulary.of("neg", "pos"))
            .skippingBadRows();
    TextDataset data = TextDatasetReader.csv(file, options);
    assertThat(data.size()).isEqualTo(2);
    assertThat(data.skipped().skipped()).isEqualTo(2);
    assertThat(data.skipped().firstMessages().get(0)).contains("line 3");
    assertThat(data.skipped().firstMessages().get(1)).contains("line 5, column 5");
  }

  @Test
  void csv_missingColumn_throwsNamingHeader() throws IOException {
    Path file = write("r.csv", "sentence,label\nx,1\n");
    assertThatThrownBy(
            () ->
                TextDatasetReader.csv(file, TextReadOptions.of(TextColumns.single("text", "label"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no text column 'text' in the header [sentence, label]");
  }

  @Test
  void csv_unclosedQuote_isSyntaxErrorEvenWhenSkipping() throws IOException {
    Path file = write("r.csv", "text,label\ngood,pos\n\"broken\"x,neg\n");
    TextReadOptions options = TextReadOptions.of(TextColumns.single("text", "label")).skippingBadRows();
    assertThatThrownBy(() -> TextDatasetReader.csv(file, options))
        .isInstanceOf(MalformedRowException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("CSV syntax error");
  }

  @Test
  void jsonLines_roundTripWithNumericLabelsSortedNumerically() throws IOException {
    Path file =
        write(
            "d.jsonl",
            "{\"text\":\"a\",\"label\":10}\n{\"text\":\"b\",\"label\":2}\n{\"label\":2,\"text\":\"c\"}\n");
    TextDataset data =
        TextDatasetReader.json(file, TextReadOptions.of(TextColumns.single("text", "label")));
    assertThat(data.labels().names()).containsExactly("2", "10");
    assertThat(data.examples())
        .extracting(TextExample::text, TextExample::label)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", 1),
            org.assertj.core.groups.Tuple.tuple("b", 0),
            org.assertj.core.groups.Tuple.tuple("c", 0));
  }

  @Test
  void jsonArray_readLikeJsonLines() throws IOException {
    Path file = write("d.json", "[{\"q\":\"x\",\"s\":\"y\",\"label\":\"yes\"},\n {\"q\":\"u\",\"s\":\"v\",\"label\":\"no\"}]");
    TextDataset data =
        TextDatasetReader.json(file, TextReadOptions.of(TextColumns.pair("q", "s", "label")));
    assertThat(data.examples())
        .containsExactly(new TextExample("x", "y", 1), new TextExample("u", "v", 0));
  }

  @Test
  void json_nullLabel_locatedAtValue() throws IOException {
    Path file = write("d.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"text\":\"\", \"label\":null}\n");
    assertThatThrownBy(
            () ->
                TextDatasetReader.json(file, TextReadOptions.of(TextColumns.single("text", "label"))))
        .isInstanceOfSatisfying(
            MalformedRowException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.column()).isEqualTo(21); // the n of null
            })
        .hasMessageContaining("missing value for column 'label'");
  }

  @Test
  void json_missingTextAndObjectValue_skippedAndCounted() throws IOException {
    Path file =
        write(
            "d.jsonl",
            "{\"text\":\"a\",\"label\":1}\n{\"label\":1}\n{\"text\":{\"nested\":1},\"label\":0}\n");
    TextDataset data =
        TextDatasetReader.json(
            file, TextReadOptions.of(TextColumns.single("text", "label")).skippingBadRows());
    assertThat(data.size()).isEqualTo(1);
    assertThat(data.skipped().skipped()).isEqualTo(2);
    assertThat(data.skipped().firstMessages().get(1))
        .contains("line 3, column 9")
        .contains("holds a JSON object");
  }

  @Test
  void json_syntaxError_throwsWithLine() throws IOException {
    Path file = write("d.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"text\": oops}\n");
    assertThatThrownBy(
            () ->
                TextDatasetReader.json(file, TextReadOptions.of(TextColumns.single("text", "label"))))
        .isInstanceOf(MalformedRowException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("JSON syntax error");
  }

  @Test
  void json_unlabelled_examplesUnlabelled() throws IOException {
    Path file = write("d.jsonl", "{\"text\":\"a\"}\n");
    TextDataset data =
        TextDatasetReader.json(file, TextReadOptions.of(TextColumns.single("text", null)));
    assertThat(data.get(0).label()).isEqualTo(TextExample.UNLABELED);
    assertThat(data.labels()).isEqualTo(LabelVocabulary.NONE);
  }

  /**
   * A file of every format with a Latin-1 'é' on line 3: the error names file, line and the fix,
   * and is no bad row that skip-bad-rows could skip.
   */
  @ParameterizedTest
  @CsvSource({"r.csv, false", "r.csv, true", "r.tsv, false", "r.tsv, true", "r.jsonl, false",
      "r.jsonl, true", "r.json, false"})
  void invalidUtf8_throwsNamingFileLineAndTheFix(String name, boolean skipBadRows)
      throws IOException {
    String content =
        switch (name) {
          case "r.csv" -> "sentence,label\ngood,1\ncaf\u00e9,0\n";
          case "r.tsv" -> "sentence\tlabel\ngood\t1\ncaf\u00e9\t0\n";
          case "r.jsonl" -> "{\"sentence\":\"good\",\"label\":1}\n\n{\"sentence\":\"caf\u00e9\"}\n";
          default -> "[{\"sentence\":\"good\",\n\"label\":1},\n{\"sentence\":\"caf\u00e9\"}]";
        };
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.ISO_8859_1);
    TextReadOptions options = TextReadOptions.of(TextColumns.single("sentence", "label"));
    TextReadOptions read = skipBadRows ? options.skippingBadRows() : options;
    assertThatThrownBy(
            () -> {
              TextDataset unused =
                  name.endsWith(".tsv")
                      ? TextDatasetReader.glue(file, GlueTask.SST2, skipBadRows)
                      : name.endsWith(".csv")
                          ? TextDatasetReader.csv(file, read)
                          : TextDatasetReader.json(file, read);
            })
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ", line 3 (byte offset ")
        .hasMessageContaining("byte 0xE9 is not valid UTF-8")
        .hasMessageContaining("iconv -f latin1 -t utf-8");
  }
}
