package io.dpft.cli;

import io.dpft.core.tasks.CausalLmJob;
import io.dpft.core.tasks.FineTuningRun;
import io.dpft.core.tasks.TaskKind;
import io.dpft.core.train.TrainingListener;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.TableToTextExample;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The causal-lm side of {@code dpft train}: its options, the E2E-style CSV files ({@code mr},
 * {@code ref}) of {@link TrainingDataOptions}, split by meaning representation when a split is
 * not given, and the run itself ({@link CausalLmJob}).
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
   * Trains {@code model} (a GPT-2 directory) on the files in {@code data}.
   *
   * @throws IllegalArgumentException when {@code model} is not a directory or a file is missing
   */
  FineTuningRun.Result run(String model, TrainingDataOptions data, int maxLength,
      FineTuningRun.Settings settings, Path runDirectory, boolean resume,
      TrainingListener progress) throws IOException {
    Path modelDir = Path.of(model);
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("--task causal-lm needs --model DIR, a Hugging Face GPT-2"
          + " directory (config.json, model.safetensors, tokenizer.json); got '" + model + "'");
    }
    TrainingDataOptions.Splits<TableToTextExample> splits = data.read(
        TaskKind.CAUSAL_LM.cliName(), file -> E2eReader.read(file, false).examples(),
        TableToTextExample::meaningRepresentation);
    String source = data.train.toString();
    CausalLmJob.Spec spec = new CausalLmJob.Spec(
        model, modelDir, source,
        dataset(source, data.train, "train", splits.train()),
        dataset(source, data.validation, "validation", splits.validation()),
        dataset(source, data.test, "test", splits.test()),
        maxLength, evalPrompts, maxNewTokens);
    return CausalLmJob.run(spec, settings, runDirectory, resume, progress);
  }

  /** One split, named by its own file or as a part of the training file. */
  private static TableToTextDataset dataset(
      String trainSource, Path file, String split, List<TableToTextExample> examples) {
    String source = file != null ? file.toString() : trainSource + " [" + split + "]";
    return new TableToTextDataset(source, examples, SkipReport.NONE);
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
