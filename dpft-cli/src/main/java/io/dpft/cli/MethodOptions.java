package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The fine-tuning method of {@code train}, {@code tune} and {@code audit}, with its own options. */
final class MethodOptions {
  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer, two-phase, adapter or reversible"
          + " (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--first-phase", paramLabel = "M", defaultValue = "full",
      description = "two-phase: the first phase's method, full (fine-tuning, as Bu et al.) or"
          + " last-layer (a linear probe over cached features) (default: ${DEFAULT-VALUE})")
  String firstPhase;

  @Option(names = "--first-phase-epochs", paramLabel = "E", defaultValue = "1",
      description = "two-phase: epochs of the first phase before BiTFiT (default: ${DEFAULT-VALUE})")
  double firstPhaseEpochs;

  @ArgGroup(exclusive = false, heading = "Adapter options:%n")
  AdapterOptions adapter = new AdapterOptions();

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

  /** The method these options name, with its settings. */
  FineTuningMethod fineTuningMethod() {
    return FineTuningMethod.parse(name, firstPhaseEpochs, firstPhase, adapter.size,
        adapter.lambda);
  }
}
