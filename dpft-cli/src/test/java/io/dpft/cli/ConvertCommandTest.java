package io.dpft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConvertCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return new CommandLine(new ConvertCommand()).setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err)).execute(args);
  }

  @Test
  void convert_bundledMiniLm_findsTheTokenizerAndWritesTheDirectory() throws IOException {
    Path onnx = extract("all-minilm-l6-v2.onnx");
    extract("all-minilm-l6-v2-tokenizer.json");
    Path target = dir.resolve("minilm");

    int code = run("--onnx", onnx.toString(), "--out", target.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("6 layers", "hidden size 384", "12 heads", "101 tensors");
    assertThat(target.resolve("config.json")).exists();
    assertThat(target.resolve("model.safetensors")).exists();
    assertThat(Files.readAllBytes(target.resolve("tokenizer.json")))
        .isEqualTo(Files.readAllBytes(dir.resolve("all-minilm-l6-v2-tokenizer.json")));
  }

  @Test
  void convert_missingOnnx_isAUsageErrorNamingTheFile() {
    Path missing = dir.resolve("nope.onnx");
    int code = run("--onnx", missing.toString(), "--tokenizer", missing.toString(), "--out",
        dir.resolve("o").toString());
    assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains(missing.toString());
  }

  @Test
  void convert_noTokenizerBesideTheModel_asksForTheOption() throws IOException {
    Path onnx = Files.write(dir.resolve("model.onnx"), new byte[] {1});
    int code = run("--onnx", onnx.toString(), "--out", dir.resolve("o").toString());
    assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains("--tokenizer", "model-tokenizer.json");
  }

  @Test
  void convert_notAnOnnxFile_isAUsageErrorNamingIt() throws IOException {
    Path onnx = Files.writeString(dir.resolve("fake.onnx"), "this is not protobuf at all");
    Path tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
    int code = run("--onnx", onnx.toString(), "--tokenizer", tokenizer.toString(), "--out",
        dir.resolve("o").toString());
    assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString()).contains(onnx.toString());
    assertThat(dir.resolve("o")).doesNotExist();
  }

  private Path extract(String resource) throws IOException {
    Path file = dir.resolve(resource);
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the classpath").isNotNull();
      Files.copy(in, file);
    }
    return file;
  }
}
