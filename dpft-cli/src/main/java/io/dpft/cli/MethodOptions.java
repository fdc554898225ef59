package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.peft.LoraConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The fine-tuning method of {@code train}, {@code tune} and {@code audit}, with its own options. */
final class MethodOptions {
  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer, two-phase, lora or bitfit+lora (LoRA plus every"
          + " bias term) (default: ${DEFAULT-VALUE})")
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

  /** The method these options name, with its settings. */
  FineTuningMethod fineTuningMethod() {
    return FineTuningMethod.parse(name, firstPhaseEpochs, firstPhase,
        new LoraConfig(lora.rank, lora.alpha, lora.dropout, lora.targets));
  }
}
