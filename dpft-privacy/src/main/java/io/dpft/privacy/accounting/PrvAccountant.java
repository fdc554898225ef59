package io.dpft.privacy.accounting;

import java.util.List;

/** Placeholder until implemented. */
public final class PrvAccountant implements PrivacyAccountant {
  @Override
  public PrivacyLoss.Prv epsilon(List<MechanismSegment> history, double delta) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public String name() {
    return "prv";
  }
}
