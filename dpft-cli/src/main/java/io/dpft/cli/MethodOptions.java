package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import picocli.CommandLine.Option;

/** The fine-tuning method of {@code train}, {@code tune} and {@code audit}, with its own options. */
final class MethodOptions {
  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer or two-phase (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--first-phase", paramLabel = "M", defaultValue = "full",
      description = "two-phase: the first phase's method, full (fine-tuning, as Bu et al.) or"
          + " last-layer (a linear probe over cached features) (default: ${DEFAULT-VALUE})")
  String firstPhase;

  @Option(names = "--first-phase-epochs", paramLabel = "E", defaultValue = "1",
      description = "two-phase: epochs of the first phase before BiTFiT (default: ${DEFAULT-VALUE})")
  double firstPhaseEpochs;

  /** The method these options name, with its settings. */
  FineTuningMethod fineTuningMethod() {
    return FineTuningMethod.parse(name, firstPhaseEpochs, firstPhase);
  }
}
