package io.dpft.cli;

import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.AccountantKind;
import picocli.CommandLine.Option;

/** The accountant and the δ of the (ε, δ) guarantee: shared by account and calibrate. */
final class PrivacyOptions {

  @Option(
      names = "--accountant",
      paramLabel = "NAME",
      defaultValue = "rdp",
      converter = AccountantKindConverter.class,
      completionCandidates = AccountantKindConverter.Names.class,
      order = 30,
      description =
          "privacy accountant, one of ${COMPLETION-CANDIDATES}: rdp (Rényi DP), prv (privacy"
              + " random variables: an estimate with lower/upper bounds), gdp (Gaussian DP, a"
              + " central-limit approximation); default: ${DEFAULT-VALUE}")
  AccountantKind accountant;

  @Option(
      names = "--delta",
      paramLabel = "D",
      required = true,
      order = 31,
      description = "target δ of (ε, δ)-DP, a probability in (0, 1); usually well below 1/N")
  private double delta;

  /** δ, checked by {@link PrivacyChecks#delta}. */
  double delta() {
    return PrivacyChecks.delta(delta);
  }
}
