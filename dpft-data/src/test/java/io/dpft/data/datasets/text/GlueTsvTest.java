package io.dpft.data.datasets.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.data.datasets.MalformedRowException;
import io.dpft.data.datasets.TextDataset;
import io.dpft.data.datasets.TextExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GLUE TSV files written with each task's standard header (as in the GLUE distribution). */
class GlueTsvTest {
  @TempDir Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void sst2_trainFile_singleSentencesWithLabels() throws IOException {
    Path file = write("train.tsv", "sentence\tlabel\nhide new secretions \t0\nthe greatest \"musicals\t1\n");
    TextDataset data = TextDatasetReader.glue(file, GlueTask.SST2, false);
    assertThat(data.examples())
        .containsExactly(
            TextExample.single("hide new secretions ", 0),
            TextExample.single("the greatest \"musicals", 1));
    assertThat(data.labels().names()).containsExactly("0", "1");
    assertThat(data.isLabelled()).isTrue();
  }

  @Test
  void sst2_testFile_withoutLabelColumn_isUnlabelled() throws IOException {
    Path file = write("test.tsv", "index\tsentence\n0\tuneasy mishmash\n");
    TextDataset data = TextDatasetReader.glue(file, GlueTask.SST2, false);
    assertThat(data.get(0)).isEqualTo(TextExample.single("uneasy mishmash", TextExample.UNLABELED));
    assertThat(data.isLabelled()).isFalse();
  }

  @Test
  void qnli_pairsAndNamedLabels() throws IOException {
    Path file =
        write(
            "dev.tsv",
            "index\tquestion\tsentence\tlabel\n0\tWhat came?\tA thing came.\tentailment\n"
                + "1\tWho?\tNobody.\tnot_entailment\n");
    TextDataset data = TextDatasetReader.glue(file, GlueTask.QNLI, false);
    assertThat(data.examples())
        .containsExactly(
            new TextExample("What came?", "A thing came.", 0),
            new TextExample("Who?", "Nobody.", 1));
  }

  @Test
  void qqp_duplicateLabel() throws IOException {
    Path file =
        write(
            "dev.tsv",
            "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n7\t1\t2\tHow to cook?\tHow do I cook?\t1\n");
    assertThat(TextDatasetReader.glue(file, GlueTask.QQP, false).get(0))
        .isEqualTo(new TextExample("How to cook?", "How do I cook?", 1));
  }

  @Test
  void mnli_matchedAndMismatched_useGoldLabel() throws IOException {
    String header =
        "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\t"
            + "sentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n";
    for (String name : GlueTask.MNLI.validationFiles()) {
      Path file =
          write(name, header + "0\t1\t1e\tfiction\t( x )\t( y )\t(S x)\t(S y)\tPremise.\tHypothesis.\tneutral\tcontradiction\n");
      TextDataset data = TextDatasetReader.glue(file, GlueTask.MNLI, false);
      assertThat(data.get(0)).isEqualTo(new TextExample("Premise.", "Hypothesis.", 2));
    }
    assertThat(GlueTask.MNLI.validationFiles()).containsExactly("dev_matched.tsv", "dev_mismatched.tsv");
  }

  @Test
  void mrpc_headerWithByteOrderMark_read() throws IOException {
    Path file =
        write("train.tsv", "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t11\t12\tA b.\tA  b.\n");
    assertThat(TextDatasetReader.glue(file, GlueTask.MRPC, false).get(0))
        .isEqualTo(new TextExample("A b.", "A  b.", 1));
  }

  @Test
  void malformedLine_throwsWithLine_orIsSkipped() throws IOException {
    Path file =
        write(
            "dev.tsv",
            "index\tquestion\tsentence\tlabel\n0\tq\ts\tentailment\n1\tq only\n2\tq\ts\tmaybe\n");
    assertThatThrownBy(() -> TextDatasetReader.glue(file, GlueTask.QNLI, false))
        .isInstanceOf(MalformedRowException.class)
        .hasMessage(file + ", line 3, column 1: expected 4 tab-separated fields as in the header "
            + "[index, question, sentence, label], found 2");
    TextDataset data = TextDatasetReader.glue(file, GlueTask.QNLI, true);
    assertThat(data.size()).isEqualTo(1);
    assertThat(data.skipped().skipped()).isEqualTo(2);
    assertThat(data.skipped().firstMessages().get(1))
        .startsWith(file + ", line 4, column 7: label 'maybe'");
  }

  @Test
  void missingTextColumn_throws() throws IOException {
    Path file = write("train.tsv", "text\tlabel\nx\t1\n");
    assertThatThrownBy(() -> TextDatasetReader.glue(file, GlueTask.SST2, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no text column 'sentence'");
  }
}
