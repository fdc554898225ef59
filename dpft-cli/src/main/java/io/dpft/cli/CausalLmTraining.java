package io.dpft.cli;

import io.dpft.core.tasks.CausalLmJob;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.builtin.DatasetSplits;
import io.dpft.data.datasets.builtin.HashSplit;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The causal-lm side of {@code dpft train}: its options, the E2E-style CSV files ({@code mr},
 * {@code ref}) of {@link DataFileOptions}, and the run itself ({@link CausalLmJob}).
 */
final class CausalLmTraining {
  @Option(names = "--eval-prompts", paramLabel = "N", defaultValue = "100",
      description = "causal-lm: inputs generated for at most per evaluation, the first ones of"
          + " the split (default: ${DEFAULT-VALUE})")
  private int evalPrompts;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64",
      description = "causal-lm: tokens generated at most per input when evaluating"
          + " (default: ${DEFAULT-VALUE})")
  private int maxNewTokens;

  /**
   * Trains {@code model} (a GPT-2 directory) on the files of {@code data}; with {@code --data}
   * alone, inputs are split 80/10/10 by a hash of their meaning representation ({@link
   * HashSplit#split(TableToTextDataset)}).
   *
   * @param skipBadRows skip malformed rows (noted on {@code err}) instead of stopping at one
   * @throws IllegalArgumentException when {@code model} is not a directory, {@code --data} is
   *     missing or a file does not exist
   */
  FineTuningRun.Result run(String model, DataFileOptions data, int maxLength,
      boolean skipBadRows, PrintWriter err, FineTuningRun.Settings settings, Path runDirectory,
      boolean resume, TrainingListener progress) throws IOException {
    if (!data.fromFiles()) {
      throw new IllegalArgumentException("--task causal-lm needs --data FILE, an E2E-style CSV"
          + " file with columns mr and ref");
    }
    Path modelDir = Path.of(model);
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("--task causal-lm needs --model DIR, a Hugging Face GPT-2"
          + " directory (config.json, model.safetensors, tokenizer.json); got '" + model + "'");
    }
    DatasetSplits<TableToTextDataset> splits =
        data.splits((flag, file, train) -> read(flag, file, skipBadRows, err), HashSplit::split);
    CausalLmJob.Spec spec = new CausalLmJob.Spec(
        model, modelDir, data.name(""), splits.train(), splits.validation(), splits.test(),
        maxLength, evalPrompts, maxNewTokens);
    return CausalLmJob.run(spec, settings, runDirectory, resume, progress);
  }

  /** An E2E-style CSV file named by {@code flag}. */
  private static TableToTextDataset read(
      String flag, Path file, boolean skipBadRows, PrintWriter err) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not a file");
    }
    TableToTextDataset read = E2eReader.read(file, skipBadRows);
    SkipNote.print(err, flag, file, read.skipped());
    return read;
  }

  /** One line: BLEU and ROUGE-L on validation and test. */
  static void printScores(PrintWriter out, FineTuningRun.Result result) {
    out.printf(Locale.ROOT, "validation %s; test %s%n", scores(result.validation()),
        scores(result.test()));
  }

  private static String scores(Map<String, Double> scores) {
    return String.format(Locale.ROOT, "BLEU %.2f, ROUGE-L %.4f (%d inputs)",
        scores.get(CausalLmJob.BLEU), scores.get(CausalLmJob.ROUGE_L),
        Math.round(scores.get(CausalLmJob.PROMPTS)));
  }
}
