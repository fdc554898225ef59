package io.dpft.core.train;

import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.sampling.PoissonSampler;
import io.dpft.privacy.sampling.ShuffleSampler;
import java.util.List;

/**
 * Where a run stands between steps, apart from tensors: the next step, the privacy ledger's
 * history and the sampler's state (exactly one of the two sampler states is set). Together with
 * the trainable parameters and the optimizer state it resumes a run exactly. {@code stoppedBy}
 * is empty while the run may go on; otherwise why it stopped for good (a non-finite loss), and
 * the ledger then also charges the steps taken after the saved parameters.
 */
public record TrainingState(
    long step,
    long optimizerSteps,
    List<MechanismSegment> ledger,
    PoissonSampler.State poisson,
    ShuffleSampler.State shuffle,
    String stoppedBy) {
  public TrainingState {
    if (step < 0 || optimizerSteps < 0) {
      throw new IllegalArgumentException("step counts must be >= 0");
    }
    ledger = List.copyOf(ledger);
    if ((poisson == null) == (shuffle == null)) {
      throw new IllegalArgumentException("exactly one sampler state must be given");
    }
    stoppedBy = stoppedBy == null ? "" : stoppedBy;
  }

  /** This state, marked as stopped for good by {@code reason}. */
  public TrainingState stopped(String reason) {
    return new TrainingState(step, optimizerSteps, ledger, poisson, shuffle, reason);
  }
}
