package io.dpft.privacy.accounting;

import java.util.List;

/** Placeholder until implemented. */
public final class RdpAccountant implements PrivacyAccountant {
  @Override
  public PrivacyLoss.Rdp epsilon(List<MechanismSegment> history, double delta) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public String name() {
    return "rdp";
  }
}
