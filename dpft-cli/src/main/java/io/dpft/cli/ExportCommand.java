package io.dpft.cli;

import io.dpft.core.tasks.ModelExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dpft export}: a trained run as a merged Hugging Face model directory for inference. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    header = "Export a trained run as a Hugging Face model directory.",
    description = {
      "Merges the run's trained parameters into its base model (BERT/RoBERTa, GPT-2 or ViT) and"
          + " writes config.json (with id2label for a classifier), model.safetensors (every"
          + " parameter) and the base model's tokenizer.json / preprocessor_config.json to --out."
    },
    footer = "dpft export --checkpoint runs/quickstart-…/dp-bitfit --out models/sentiment")
final class ExportCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @Option(names = "--checkpoint", paramLabel = "RUN_DIR", required = true,
      description = "the run directory written by dpft train or quickstart")
  private Path runDirectory;

  @Option(names = "--out", paramLabel = "DIR", required = true,
      description = "the directory to create (must not exist)")
  private Path out;

  @Override
  public Integer call() throws IOException {
    ModelExport.exportRun(runDirectory, out);
    spec.commandLine().getOut().println("exported " + runDirectory + " to " + out);
    return 0;
  }
}
