package io.dpft.privacy.accounting;

import java.util.List;

/** Placeholder until implemented. */
public final class GdpAccountant implements PrivacyAccountant {
  @Override
  public PrivacyLoss.Gdp epsilon(List<MechanismSegment> history, double delta) {
    throw new UnsupportedOperationException("not implemented yet");
  }

  @Override
  public String name() {
    return "gdp";
  }
}
