package io.dpft.core.optim;

import io.dpft.privacy.PrivacyChecks;

/**
 * Linear warm-up from 0 to {@code baseLr} over {@code warmupSteps}, then constant or linear
 * decay to 0 at {@code totalSteps}. Steps count optimizer updates, starting at 0.
 */
public record LearningRateSchedule(
    double baseLr, long warmupSteps, long totalSteps, LearningRateSchedule.Decay decay) {

  /** What happens after warm-up. */
  public enum Decay {
    CONSTANT,
    LINEAR
  }

  public LearningRateSchedule {
    PrivacyChecks.positive("learningRate", baseLr);
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps must be >= 0, got " + warmupSteps);
    }
    PrivacyChecks.atLeastOne("totalSteps", totalSteps);
    if (warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "warmupSteps must be <= totalSteps, got " + warmupSteps + " > " + totalSteps);
    }
    if (decay == null) {
      throw new IllegalArgumentException("decay must be given");
    }
  }

  /** A constant rate, no warm-up. */
  public static LearningRateSchedule constant(double lr) {
    return new LearningRateSchedule(lr, 0, 1, Decay.CONSTANT);
  }

  /** The learning rate for update number {@code step} (0-based). */
  public double at(long step) {
    if (step < warmupSteps) {
      return baseLr * (step + 1) / warmupSteps;
    }
    if (decay == Decay.CONSTANT) {
      return baseLr;
    }
    long decaySteps = totalSteps - warmupSteps;
    long into = Math.min(step - warmupSteps, decaySteps);
    return decaySteps == 0 ? baseLr : baseLr * (decaySteps - into) / decaySteps;
  }
}
