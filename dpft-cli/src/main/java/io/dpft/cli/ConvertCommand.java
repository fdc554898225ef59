package io.dpft.cli;

import io.dpft.core.io.onnx.OnnxBertConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpft convert}: an ONNX BERT export to a Hugging Face model directory. */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = {"Convert a BERT encoder exported to ONNX (torch.onnx, weights inside the file)"
        + " into a Hugging Face model directory: config.json, model.safetensors (float32),"
        + " tokenizer.json.",
        "The config is derived from the graph; linear weights are renamed and transposed."})
public final class ConvertCommand implements Callable<Integer> {
  private static final String TOKENIZER_SUFFIX = "-tokenizer.json";

  @Option(names = "--onnx", required = true, paramLabel = "FILE",
      description = "the .onnx file of a BERT encoder")
  Path onnx;

  @Option(names = "--tokenizer", paramLabel = "FILE",
      description = "tokenizer.json to copy into the output (default: NAME" + TOKENIZER_SUFFIX
          + " or tokenizer.json next to the ONNX file NAME.onnx)")
  Path tokenizer;

  @ArgGroup(exclusive = true, multiplicity = "1")
  OutputDirectoryOption output;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    long start = System.nanoTime();
    try {
      OnnxBertConverter.Result result =
          OnnxBertConverter.convert(onnx, tokenizer != null ? tokenizer : defaultTokenizer(), output.path);
      Map<String, Object> c = result.config();
      spec.commandLine().getOut().printf("converted %s -> %s in %.1f s: BERT with %s layers,"
              + " hidden size %s, %s heads, vocabulary %s; %d tensors, %.1f MB%n", onnx,
          result.directory(), (System.nanoTime() - start) / 1e9, c.get("num_hidden_layers"),
          c.get("hidden_size"), c.get("num_attention_heads"), c.get("vocab_size"),
          result.tensorCount(), result.weightBytes() / 1e6);
      return ExitCode.OK;
    } catch (IllegalArgumentException | NoSuchFileException | FileAlreadyExistsException e) {
      err.println("dpft convert: " + e.getMessage());
      return ExitCode.USAGE;
    } catch (IOException e) {
      err.println("dpft convert: " + e);
      return ExitCode.SOFTWARE;
    }
  }

  /** NAME-tokenizer.json (the LangChain4j jars' naming) or tokenizer.json beside NAME.onnx. */
  private Path defaultTokenizer() throws NoSuchFileException {
    String name = onnx.getFileName().toString().replaceFirst("\\.onnx$", "");
    Path dir = onnx.toAbsolutePath().getParent();
    for (Path candidate : new Path[] {dir.resolve(name + TOKENIZER_SUFFIX),
        dir.resolve("tokenizer.json")}) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new NoSuchFileException(dir.resolve(name + TOKENIZER_SUFFIX).toString(), null,
        "no tokenizer next to the ONNX file (nor tokenizer.json); pass --tokenizer FILE");
  }
}
