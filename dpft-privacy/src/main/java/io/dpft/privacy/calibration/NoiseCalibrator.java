package io.dpft.privacy.calibration;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.MechanismSegment;
import io.dpft.privacy.accounting.PrivacyAccountant;
import io.dpft.privacy.accounting.PrivacyLoss;
import io.dpft.privacy.sampling.SamplingSchedule;
import java.util.List;
import java.util.Objects;

/**
 * Finds the smallest noise multiplier σ whose ε, after {@code steps} steps at sampling rate q,
 * is at most a target at a given δ — with any {@link PrivacyAccountant}.
 *
 * <p>ε is non-increasing in σ for every accountant (more noise never costs more privacy), so the
 * search first brackets the answer by doubling or halving σ from 1, then bisects the bracket
 * geometrically (σ spans orders of magnitude) until its ends are within a relative
 * {@value #RELATIVE_TOLERANCE}. It returns the upper end of the final bracket, so the returned σ
 * always meets the target. σ is searched in [{@value #MIN_NOISE_MULTIPLIER},
 * {@value #MAX_NOISE_MULTIPLIER}]: if even σ = {@value #MIN_NOISE_MULTIPLIER} meets the target it is
 * returned, and if σ = {@value #MAX_NOISE_MULTIPLIER} does not, the target is out of reach.
 */
public final class NoiseCalibrator {
  /** Relative width of the final σ bracket. */
  public static final double RELATIVE_TOLERANCE = 1e-6;

  /** The smallest σ considered: below it the noise is negligible against the clipped gradient. */
  public static final double MIN_NOISE_MULTIPLIER = 1e-2;

  /** The largest σ considered: above it training cannot learn anything useful. */
  public static final double MAX_NOISE_MULTIPLIER = 1e4;

  private NoiseCalibrator() {}

  /**
   * The smallest noise multiplier σ (to a relative {@value #RELATIVE_TOLERANCE}) whose ε after
   * {@code steps} steps at sampling rate {@code sampleRate} is at most {@code targetEpsilon} at
   * {@code delta}, with the privacy loss it achieves.
   *
   * @throws IllegalArgumentException for invalid arguments, or when no σ up to {@value
   *     #MAX_NOISE_MULTIPLIER} reaches the target (the message says what to change)
   */
  public static Calibration calibrate(
      PrivacyAccountant accountant,
      double targetEpsilon,
      double delta,
      double sampleRate,
      long steps) {
    return calibrate(
        accountant, targetEpsilon, delta, List.of(new SamplingSchedule(sampleRate, steps)));
  }

  /**
   * The smallest noise multiplier σ (to a relative {@value #RELATIVE_TOLERANCE}) at which all of
   * {@code runs} together — each a DP-SGD run on the same data at its own rate and length, all
   * with σ — spend at most {@code targetEpsilon} at {@code delta}: the composition the
   * accountant computes over every run, as when several candidate runs are trained to choose
   * one.
   *
   * @throws IllegalArgumentException for invalid arguments or no runs, or when no σ up to
   *     {@value #MAX_NOISE_MULTIPLIER} reaches the target
   */
  public static Calibration calibrate(
      PrivacyAccountant accountant,
      double targetEpsilon,
      double delta,
      List<SamplingSchedule> runs) {
    Objects.requireNonNull(accountant, "accountant must not be null");
    PrivacyChecks.epsilon("targetEpsilon", targetEpsilon);
    PrivacyChecks.delta(delta);
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("calibrate at least one run");
    }
    Probe probe = new Probe(accountant, targetEpsilon, delta, runs);

    // Bracket: low misses the target, high meets it.
    Calibration high = probe.at(1.0);
    double low;
    if (high == null) {
      low = 1.0;
      while (high == null) {
        if (low == MAX_NOISE_MULTIPLIER) {
          throw probe.unreachable();
        }
        double candidate = Math.min(2 * low, MAX_NOISE_MULTIPLIER);
        high = probe.at(candidate);
        if (high == null) {
          low = candidate;
        }
      }
    } else {
      low = high.noiseMultiplier() / 2;
      Calibration lower;
      while ((lower = probe.at(low)) != null) {
        high = lower;
        if (low == MIN_NOISE_MULTIPLIER) {
          return high;
        }
        low = Math.max(low / 2, MIN_NOISE_MULTIPLIER);
      }
    }
    // Bisect geometrically.
    while (high.noiseMultiplier() / low - 1 > RELATIVE_TOLERANCE) {
      double middle = Math.sqrt(low * high.noiseMultiplier());
      Calibration atMiddle = probe.at(middle);
      if (atMiddle == null) {
        low = middle;
      } else {
        high = atMiddle;
      }
    }
    return high;
  }

  /** One calibration problem: evaluates ε at a candidate σ. */
  private static final class Probe {
    private final PrivacyAccountant accountant;
    private final double targetEpsilon;
    private final double delta;
    private final List<SamplingSchedule> runs;

    Probe(
        PrivacyAccountant accountant,
        double targetEpsilon,
        double delta,
        List<SamplingSchedule> runs) {
      this.accountant = accountant;
      this.targetEpsilon = targetEpsilon;
      this.delta = delta;
      this.runs = List.copyOf(runs);
    }

    /** The calibration at σ when it meets the target, otherwise null. */
    Calibration at(double noiseMultiplier) {
      PrivacyLoss loss = loss(noiseMultiplier);
      return loss.epsilonGuarantee() <= targetEpsilon ? new Calibration(noiseMultiplier, loss) : null;
    }

    private PrivacyLoss loss(double noiseMultiplier) {
      return accountant.epsilon(
          runs.stream()
              .map(r -> new MechanismSegment(noiseMultiplier, r.sampleRate(), r.steps()))
              .toList(),
          delta);
    }

    IllegalArgumentException unreachable() {
      SamplingSchedule first = runs.get(0);
      return new IllegalArgumentException(
          String.format(
              "targetEpsilon=%s cannot be reached at delta=%s, sampleRate=%s, steps=%d%s: even"
                  + " noiseMultiplier=%s gives epsilon=%.4g (%s accountant); raise targetEpsilon"
                  + " or delta, or lower sampleRate (smaller batches) or steps (fewer epochs)",
              targetEpsilon,
              delta,
              first.sampleRate(),
              first.steps(),
              runs.size() > 1 ? " (and " + (runs.size() - 1) + " more runs)" : "",
              MAX_NOISE_MULTIPLIER,
              loss(MAX_NOISE_MULTIPLIER).epsilonGuarantee(),
              accountant.name()));
    }
  }
}
