package io.dpft.core.train;

import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.PrivacyChecks;
import java.util.OptionalLong;

/**
 * One training run. {@code logicalBatchSize} is the expected batch size B: examples are drawn
 * with probability q = B/N (Poisson) or in shuffled batches of B; {@code seed} makes sampling
 * and noise reproducible (and then not private against whoever knows it), empty means secure.
 */
public record TrainingConfig(
    FineTuningMethod method,
    String headPrefix,
    double epochs,
    int logicalBatchSize,
    OptimizerConfig optimizer,
    double learningRate,
    double warmupFraction,
    Privacy privacy,
    Sampling sampling,
    OptionalLong seed) {

  /** How logical batches are drawn. */
  public enum Sampling {
    /** Each example independently with probability q: what the accountants analyse. */
    POISSON,
    /** Fixed-size batches of a shuffled permutation: NOT what the accounting assumes. */
    SHUFFLE
  }

  public TrainingConfig {
    if (method == null || optimizer == null || privacy == null || sampling == null) {
      throw new IllegalArgumentException("method, optimizer, privacy and sampling must be given");
    }
    if (headPrefix == null) {
      throw new IllegalArgumentException("headPrefix must be given (\"\" for none)");
    }
    PrivacyChecks.positive("epochs", epochs);
    PrivacyChecks.atLeastOne("logicalBatchSize", logicalBatchSize);
    PrivacyChecks.positive("learningRate", learningRate);
    PrivacyChecks.halfOpenUnitInterval("warmupFraction", warmupFraction);
    if (seed == null) {
      throw new IllegalArgumentException("seed must be given (OptionalLong.empty() for secure)");
    }
  }
}
