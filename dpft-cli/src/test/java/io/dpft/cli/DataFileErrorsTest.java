package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad data files given to {@code dpft train}: each is one line on stderr naming the file and the
 * fix, with exit code 2, before any model is loaded (the model flags name nothing that exists).
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
    Files.writeString(
        file, "mr,ref\nname[Aromi],Aromi.\nname[Caf\u00e9],Caf\u00e9.\n", StandardCharsets.ISO_8859_1);

    Cli run = train("--task", "causal-lm", "--model", model.toString(), "--data", file.toString());

    assertOneLineUsageError(run, "train");
    assertThat(run.err()).contains(file + ", line 3 (byte offset 34): byte 0xE9");
  }
}
