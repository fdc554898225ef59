package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.peft.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The fine-tuning method of {@code train}, {@code tune} and {@code audit}, with its own options;
 * each method takes the settings it knows from them ({@link FineTuningMethod#of(String, Map)}).
 */
final class MethodOptions {
  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer, two-phase, lora, bitfit+lora (LoRA plus every bias"
          + " term), adapter, reversible or side (a ladder side network beside the frozen"
          + " encoder) (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--first-phase", paramLabel = "M", defaultValue = "full",
      description = "two-phase: the first phase's method, full (fine-tuning, as Bu et al.) or"
          + " last-layer (a linear probe over cached features) (default: ${DEFAULT-VALUE})")
  String firstPhase;

  @Option(names = "--first-phase-epochs", paramLabel = "E", defaultValue = "1",
      description = "two-phase: epochs of the first phase before BiTFiT (default: ${DEFAULT-VALUE})")
  double firstPhaseEpochs;

  @ArgGroup(exclusive = false, heading = "LoRA options (--method lora, bitfit+lora):%n")
  LoraOptions lora = new LoraOptions();

  @ArgGroup(exclusive = false, heading = "Adapter options (--method adapter, reversible):%n")
  AdapterOptions adapter = new AdapterOptions();

  @ArgGroup(exclusive = false, heading = "Side network options (--method side):%n")
  SideOptions side = new SideOptions();

  /** LoRA's rank, α, dropout and target layers. */
  static final class LoraOptions {
    @Option(names = "--lora-rank", paramLabel = "R", defaultValue = "8",
        description = "rank r of the update W + (α/r)·B·A (default: ${DEFAULT-VALUE})")
    int rank = LoraConfig.DEFAULT.rank();

    @Option(names = "--lora-alpha", paramLabel = "A", defaultValue = "16",
        description = "α, the update's scale α/r (default: ${DEFAULT-VALUE})")
    double alpha = LoraConfig.DEFAULT.alpha();

    @Option(names = "--lora-dropout", paramLabel = "P", defaultValue = "0",
        description = "dropout on the update's input (default: ${DEFAULT-VALUE})")
    double dropout = LoraConfig.DEFAULT.dropout();

    @Option(names = "--lora-targets", paramLabel = "REGEX",
        description = "the linear layers that get an update, a regular expression found in"
            + " their Hugging Face module names (default: BERT/RoBERTa/ViT query and value,"
            + " GPT-2 attn.c_attn: " + LoraConfig.DEFAULT_TARGETS + ")")
    String targets = LoraConfig.DEFAULT_TARGETS;
  }

  /** The options of {@code --method adapter} and {@code --method reversible}. */
  static final class AdapterOptions {
    @Option(names = "--adapter-size", paramLabel = "M",
        defaultValue = "" + FineTuningMethod.Adapter.DEFAULT_SIZE,
        description = "adapter, reversible: the bottleneck width m of each adapter"
            + " (default: ${DEFAULT-VALUE})")
    int size = FineTuningMethod.Adapter.DEFAULT_SIZE;

    @Option(names = "--reversible-lambda", paramLabel = "L",
        defaultValue = "" + FineTuningMethod.Reversible.DEFAULT_LAMBDA,
        description = "reversible: the scale λ in (0, 1] of the stream the frozen block adds to;"
            + " smaller starts nearer the pretrained model (default: ${DEFAULT-VALUE})")
    double lambda = FineTuningMethod.Reversible.DEFAULT_LAMBDA;
  }

  /** The options of {@code --method side}. */
  static final class SideOptions {
    @Option(names = "--side-reduction", paramLabel = "R", defaultValue = "8",
        description = "side: the side network is R times narrower than the encoder; R must divide"
            + " its hidden size (default: ${DEFAULT-VALUE})")
    int reduction = 8;
  }

  /** The method these options name, with its settings. */
  FineTuningMethod fineTuningMethod() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("first_phase", firstPhase);
    settings.put("first_phase_epochs", Double.toString(firstPhaseEpochs));
    settings.put("adapter_size", Integer.toString(adapter.size));
    settings.put("reversible_lambda", Double.toString(adapter.lambda));
    settings.put("side_reduction", Integer.toString(side.reduction));
    settings.putAll(new LoraConfig(lora.rank, lora.alpha, lora.dropout, lora.targets).settings());
    return FineTuningMethod.of(name, settings);
  }
}
