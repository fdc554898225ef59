package io.dpft.core.train;

/**
 * The loss or a gradient stopped being finite: the run stopped before applying the step, which
 * stays charged to the privacy ledger. The message says what was not finite and what to do.
 */
public final class TrainingDivergedException extends RunFailedException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(String message) {
    super(message);
  }
}
