package io.dpft.core.nn;

/**
 * How a {@link Linear} stores its matrix, so checkpoints load without transposing.
 */
public enum WeightLayout {
  /** {@code [d_out, d_in]}, torch {@code nn.Linear}: {@code z = a Wᵀ + b}. */
  OUT_IN,
  /** {@code [d_in, d_out]}, Hugging Face {@code Conv1D} (GPT-2): {@code z = a W + b}. */
  IN_OUT
}
