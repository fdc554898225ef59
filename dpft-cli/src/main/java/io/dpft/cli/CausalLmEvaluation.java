package io.dpft.cli;

import io.dpft.core.runs.TrainedGenerator;
import static io.dpft.cli.PrivacyReport.number;
import static io.dpft.cli.PrivacyReport.row;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpft.core.tasks.TextGeneration;
import io.dpft.data.datasets.table.E2eReader;
import io.dpft.data.datasets.table.TableToTextDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code dpft eval} of a causal-lm run: generates for each distinct input of an E2E-style CSV
 * file (columns {@code mr} and {@code ref}) and prints corpus BLEU and ROUGE-L against all the
 * input's references ({@link TextGeneration#score}).
 */
final class CausalLmEvaluation {
  private CausalLmEvaluation() {}

  /**
   * @param file the {@code --data} file (checked to exist), or null when none was given
   * @throws IllegalArgumentException when {@code file} is null, or a row is malformed
   */
  static void run(TrainedRunOptions run, Path file, GenerationOptions generation,
      OutputOptions output, PrintWriter out) throws IOException {
    if (file == null) {
      throw new IllegalArgumentException("a causal-lm run is evaluated on an E2E-style CSV file"
          + " (columns mr and ref): pass --data FILE");
    }
    generation.check();
    TableToTextDataset data = E2eReader.read(file, false);
    try (TrainedGenerator generator = run.loadGenerator()) {
      TextGeneration.Scores scores =
          generator.generation(generation.maxNewTokens, generation.beams).score(data);
      ObjectNode json = PrivacyReport.JSON.createObjectNode();
      json.put("bleu", scores.bleu().score());
      json.put("rouge_l", scores.rougeL());
      json.put("n", scores.hypotheses().size());
      json.put("references", data.referenceCount());
      json.put("data", data.source());
      json.put("checkpoint", run.runDirectory().toString());
      List<String> text =
          List.of(
              row("BLEU", number(scores.bleu().score(), 2)),
              row("ROUGE-L", number(scores.rougeL(), 4)),
              row("n", String.format(Locale.ROOT, "%,d inputs, %,d references",
                  scores.hypotheses().size(), data.referenceCount())),
              row("data", data.source()));
      output.print(out, json, text);
    }
  }
}
