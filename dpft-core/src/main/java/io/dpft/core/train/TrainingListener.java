package io.dpft.core.train;

import io.dpft.core.peft.FineTuningMethod;

/** Progress events of a run, for progress bars, metrics files and checkpoints. */
public interface TrainingListener {

  /** The run starts: one line saying what it trains and with which settings. */
  default void onStart(String summary) {}

  /** A phase (two-phase training has two) starts with {@code method} for {@code steps} steps. */
  default void onPhase(int phase, FineTuningMethod method, long steps) {}

  /** An optimizer step finished. */
  default void onStep(StepReport report) {}

  /** Training stopped early, e.g. before exceeding the privacy budget. */
  default void onStop(String reason) {}
}
