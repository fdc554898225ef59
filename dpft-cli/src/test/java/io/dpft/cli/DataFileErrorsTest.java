package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data files given to {@code dpft train}: a bad one is one line on stderr naming the file and the
 * fix, with exit code 2, before any model is loaded; rows skipped by --skip-bad-rows are a note on
 * stderr. Runs that get past the data stop at {@code --model}, an empty directory, so nothing slow
 * runs.
 */
class DataFileErrorsTest {
  @TempDir Path dir;

  private Cli train(String... more) {
    return Cli.run(
        Cli.args(new String[] {"train", "--run-dir", dir.resolve("run").toString()}, more));
  }

  private static void assertOneLineUsageError(Cli run, String command) {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.err())
        .startsWith("dpft " + command + ": ")
        .doesNotContain("unexpected error")
        .doesNotContain("Exception");
  }

  @Test
  void train_latin1Csv_namesFileLineAndIconv() throws IOException {
    Path file = dir.resolve("train.csv");
    Files.writeString(file, "text,label\ngood,pos\ncaf\u00e9,neg\n", StandardCharsets.ISO_8859_1);

    Cli run = train("--data", file.toString(), "--skip-bad-rows");

    assertOneLineUsageError(run, "train");
    assertThat(run.err())
        .contains(file + ", line 3 (byte offset 23): byte 0xE9 is not valid UTF-8")
        .contains("iconv -f latin1 -t utf-8");
  }

  @Test
  void trainCausalLm_latin1E2eCsv_namesFileAndLine() throws IOException {
    Path model = Files.createDirectory(dir.resolve("gpt2"));
    Path file = dir.resolve("trainset.csv");
    String content = "mr,ref\nname[Aromi],Aromi.\nname[Caf\u00e9],Caf\u00e9.\n";
    Files.writeString(file, content, StandardCharsets.ISO_8859_1);

    Cli run = train("--task", "causal-lm", "--model", model.toString(), "--data", file.toString());

    assertOneLineUsageError(run, "train");
    assertThat(run.err()).contains(file + ", line 3 (byte offset 34): byte 0xE9");
  }

  /** train past the data files: the model is an empty directory, an error right after them. */
  private Cli trainWithoutModel(String... data) throws IOException {
    Path noModel = Files.createDirectories(dir.resolve("no-model"));
    return train(Cli.args(new String[] {"--model", noModel.toString()}, data));
  }

  @Test
  void train_skipBadRows_notesTheCountPerFileWithSkips() throws IOException {
    Path trainFile =
        Files.writeString(
            dir.resolve("train.csv"),
            "text,label\ngood,pos\nbad,neg\nno label here\nfine,pos\nodd,\"a,b\",c\n");
    Path devFile =
        Files.writeString(dir.resolve("dev.csv"), "text,label\ngreat,pos\nmeh,maybe\nawful,neg\n");
    Path testFile = Files.writeString(dir.resolve("test.csv"), "text,label\nok,pos\nbad,neg\n");

    Cli run =
        trainWithoutModel("--data", trainFile.toString(), "--validation-data", devFile.toString(),
            "--test-data", testFile.toString(), "--skip-bad-rows");

    List<String> notes = run.errLines().stream().filter(l -> l.startsWith("note: ")).toList();
    assertThat(notes).hasSize(2);
    assertThat(notes.get(0))
        .startsWith("note: --data " + trainFile + ": skipped 2 malformed rows (first: line 4,")
        .endsWith(": expected 2 fields as in the header [text, label], found 1)");
    assertThat(notes.get(1))
        .isEqualTo("note: --validation-data " + devFile + ": skipped 1 malformed row (first:"
            + " line 3, column 5: label 'maybe' is not one of [neg, pos])");
    assertThat(run.err()).contains("has no config.json"); // it went on to the model
  }

  @Test
  void train_headerOnlyFile_namesTheFile() throws IOException {
    Path file = Files.writeString(dir.resolve("train.csv"), "text,label\n");

    Cli run = trainWithoutModel("--data", file.toString());

    assertOneLineUsageError(run, "train");
    assertThat(run.err()).contains("--data " + file + " has no data rows.");
  }

  @Test
  void train_headerOnlyValidationFile_namesItsFlag() throws IOException {
    Path trainFile = Files.writeString(dir.resolve("train.csv"), "text,label\ngood,pos\nbad,neg\n");
    Path devFile = Files.writeString(dir.resolve("dev.jsonl"), "\n");

    Cli run =
        trainWithoutModel("--data", trainFile.toString(), "--validation-data", devFile.toString());

    assertOneLineUsageError(run, "train");
    assertThat(run.err()).contains("--validation-data " + devFile + " has no data rows.");
  }

  @Test
  void train_everyRowSkipped_saysSoAfterTheNote() throws IOException {
    Path file = Files.writeString(dir.resolve("train.csv"), "text,label\na\nb\n");

    Cli run = trainWithoutModel("--data", file.toString(), "--skip-bad-rows");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).hasSize(2);
    assertThat(run.errLines().get(0)).startsWith("note: --data " + file + ": skipped 2 malformed");
    assertThat(run.errLines().get(1))
        .contains("--data " + file + " has no data rows left: all 2 were malformed");
  }

  @Test
  void train_oneDistinctLabel_namesFileAndLabel() throws IOException {
    Path file = Files.writeString(dir.resolve("train.csv"), "text,label\ngood,pos\nfine,pos\n");

    Cli run = trainWithoutModel("--data", file.toString());

    assertOneLineUsageError(run, "train");
    assertThat(run.err())
        .contains("--data " + file + " has only one label, 'pos'; a classifier needs at least 2");
  }

  @Test
  void train_glueTsvWithoutLabelColumn_namesTheColumnAndTheFix() throws IOException {
    Path file = Files.writeString(dir.resolve("test.tsv"), "index\tsentence\n0\tgood\n1\tbad\n");

    Cli run = trainWithoutModel("--data", file.toString(), "--glue-task", "sst2");

    assertOneLineUsageError(run, "train");
    assertThat(run.err())
        .contains("--data " + file + " has no label column 'label'")
        .contains("train.tsv");
  }
}
