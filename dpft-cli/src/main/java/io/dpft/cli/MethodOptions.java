package io.dpft.cli;

import io.dpft.core.peft.FineTuningMethod;
import picocli.CommandLine.Option;

/** The fine-tuning method of {@code train}, {@code tune} and {@code audit}, with its own options. */
final class MethodOptions {
  @Option(names = "--method", paramLabel = "M", defaultValue = "bitfit",
      description = "full, bitfit, last-layer, two-phase or side (a ladder side network beside"
          + " the frozen encoder) (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--first-phase", paramLabel = "M", defaultValue = "full",
      description = "two-phase: the first phase's method, full (fine-tuning, as Bu et al.) or"
          + " last-layer (a linear probe over cached features) (default: ${DEFAULT-VALUE})")
  String firstPhase;

  @Option(names = "--first-phase-epochs", paramLabel = "E", defaultValue = "1",
      description = "two-phase: epochs of the first phase before BiTFiT (default: ${DEFAULT-VALUE})")
  double firstPhaseEpochs;

  @Option(names = "--side-reduction", paramLabel = "R", defaultValue = "8",
      description = "side: the side network is R times narrower than the encoder; R must divide"
          + " its hidden size (default: ${DEFAULT-VALUE})")
  int sideReduction;

  /** The method these options name, with its settings. */
  FineTuningMethod fineTuningMethod() {
    FineTuningMethod method = FineTuningMethod.parse(name, firstPhaseEpochs, firstPhase);
    return method instanceof FineTuningMethod.SideNetwork
        ? new FineTuningMethod.SideNetwork(sideReduction)
        : method;
  }
}
