package io.dpft.core.bench;

import io.dpft.core.CliNamed;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.peft.LoraConfig;

/** What a benchmark configuration trains, by its command-line name. */
public enum BenchMethod implements CliNamed {
  /** Every parameter ({@link FineTuningMethod.Full}). */
  FULL("full", new FineTuningMethod.Full()),
  /** Biases and the head ({@link FineTuningMethod.BitFit}). */
  BITFIT("bitfit", new FineTuningMethod.BitFit(false)),
  /** The head only ({@link FineTuningMethod.LastLayer}). */
  LAST_LAYER("last-layer", new FineTuningMethod.LastLayer()),
  /** Rank-8 LoRA on the default targets, and the head ({@link FineTuningMethod.Lora}). */
  LORA("lora", new FineTuningMethod.Lora(LoraConfig.DEFAULT, false)),
  /** LoRA plus every bias term, and the head. */
  BITFIT_LORA("bitfit+lora", new FineTuningMethod.Lora(LoraConfig.DEFAULT, true)),
  /** Houlsby adapters of the default width and the head ({@link FineTuningMethod.Adapter}). */
  ADAPTER("adapter", new FineTuningMethod.Adapter(FineTuningMethod.Adapter.DEFAULT_SIZE)),
  /** Reversible adapters of the default width and λ ({@link FineTuningMethod.Reversible}). */
  REVERSIBLE("reversible", new FineTuningMethod.Reversible(
      FineTuningMethod.Adapter.DEFAULT_SIZE, FineTuningMethod.Reversible.DEFAULT_LAMBDA)),
  /**
   * A ladder side network of width d / {@value LadderSideNetwork#DEFAULT_REDUCTION} and the head
   * ({@link FineTuningMethod.SideNetwork}).
   */
  SIDE("side", new FineTuningMethod.SideNetwork(LadderSideNetwork.DEFAULT_REDUCTION)),
  /**
   * DP full fine-tuning computed naively, one batch-of-one backward pass per example
   * ({@link PerExampleStep}): the baseline that ghost clipping replaces. DP only.
   */
  PER_EXAMPLE("per-example", new FineTuningMethod.Full());

  private final String cliName;
  private final FineTuningMethod trains;

  BenchMethod(String cliName, FineTuningMethod trains) {
    this.cliName = cliName;
    this.trains = trains;
  }

  /**
   * The command-line name: {@code full}, {@code bitfit}, {@code last-layer}, {@code lora},
   * {@code bitfit+lora}, {@code adapter}, {@code reversible}, {@code side}, {@code per-example}.
   */
  @Override
  public String cliName() {
    return cliName;
  }

  /** Which parameters train. */
  public FineTuningMethod fineTuningMethod() {
    return trains;
  }

  /** Whether this method has a non-private variant (all but the DP-only per-example loop). */
  public boolean runsWithoutDp() {
    return this != PER_EXAMPLE;
  }

  /** Parses a command-line name (case-insensitive). */
  public static BenchMethod parse(String name) {
    return CliNamed.parse(BenchMethod.class, "method", name);
  }
}
