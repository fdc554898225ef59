package io.dpft.privacy.accounting;

import java.util.List;

/**
 * Answers how much privacy a history of subsampled-Gaussian steps has spent. Accountants are
 * stateless and immutable: the history lives in a {@link PrivacyLedger}, so the same ledger can
 * be read by every accountant and saved with a checkpoint.
 */
public sealed interface PrivacyAccountant permits RdpAccountant, PrvAccountant, GdpAccountant {

  /**
   * The ε of the composition of {@code history} at the given δ.
   *
   * @param history the mechanism runs, oldest first; at least one segment
   * @param delta the target δ, in (0, 1)
   * @throws IllegalArgumentException for an empty history or a δ outside (0, 1)
   */
  PrivacyLoss epsilon(List<MechanismSegment> history, double delta);

  /** Short name as used on the command line: {@code rdp}, {@code prv} or {@code gdp}. */
  String name();
}
