package io.dpft.privacy.accounting;

import java.util.ArrayList;
import java.util.List;

/**
 * The history of mechanism runs of one training job: what every accountant reads and what a
 * checkpoint saves. Consecutive steps with the same σ and q are merged into one segment.
 * Not thread-safe: owned by the training loop.
 */
public final class PrivacyLedger {
  private final List<MechanismSegment> segments = new ArrayList<>();

  public PrivacyLedger() {}

  /** A ledger that continues a saved history (e.g. on resume). */
  public PrivacyLedger(List<MechanismSegment> history) {
    history.forEach(s -> record(s.noiseMultiplier(), s.sampleRate(), s.steps()));
  }

  /** Records {@code steps} runs of the mechanism with noise multiplier σ and sampling rate q. */
  public void record(double noiseMultiplier, double sampleRate, long steps) {
    MechanismSegment next = new MechanismSegment(noiseMultiplier, sampleRate, steps);
    int last = segments.size() - 1;
    if (last >= 0
        && segments.get(last).noiseMultiplier() == noiseMultiplier
        && segments.get(last).sampleRate() == sampleRate) {
      MechanismSegment prev = segments.get(last);
      segments.set(last, new MechanismSegment(noiseMultiplier, sampleRate, prev.steps() + steps));
    } else {
      segments.add(next);
    }
  }

  /** An immutable copy of the history, oldest first. */
  public List<MechanismSegment> history() {
    return List.copyOf(segments);
  }

  /** Total number of recorded steps. */
  public long totalSteps() {
    return segments.stream().mapToLong(MechanismSegment::steps).sum();
  }

  /** ε spent so far according to {@code accountant}; 0 when nothing was recorded. */
  public double epsilon(PrivacyAccountant accountant, double delta) {
    return segments.isEmpty() ? 0.0 : accountant.epsilon(history(), delta).epsilonGuarantee();
  }
}
