package io.dpft.cli;

import io.dpft.core.tasks.ModelExport;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code dpft export}: a trained run as a merged Hugging Face model directory for inference. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    header = "Export a trained run as a Hugging Face model directory.",
    description = {
      "Merges the run's trained parameters into its base model (BERT/RoBERTa, GPT-2 or ViT) and"
          + " writes config.json (with id2label for a classifier), model.safetensors (every"
          + " parameter) and the base model's tokenizer.json / preprocessor_config.json to --output."
          + " A LoRA run's low-rank updates are merged into their weights; --adapter-only writes"
          + " the adapter alone in PEFT's layout instead."
    },
    footer = "dpft export --run-dir runs/quickstart-…/dp-bitfit --output models/sentiment")
final class ExportCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;
  @Mixin private HelpLayout helpLayout;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private RunDirectoryOption runDirectory;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private OutputDirectoryOption output;

  @Option(names = "--adapter-only",
      description = "a LoRA run: write only adapter_model.safetensors and adapter_config.json in"
          + " PEFT's layout (PeftModel.from_pretrained(base, DIR) loads them)")
  private boolean adapterOnly;

  @Override
  public Integer call() throws IOException {
    if (adapterOnly) {
      ModelExport.exportAdapter(runDirectory.path, output.path);
    } else {
      ModelExport.exportRun(runDirectory.path, output.path);
    }
    spec.commandLine().getOut().println("exported " + runDirectory.path + " to " + output.path);
    return 0;
  }
}
