package io.dpft.core.train;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.privacy.PrivacyChecks;
import io.dpft.privacy.accounting.AccountantKind;

/** Whether a run is differentially private, and how its privacy is accounted. */
public sealed interface Privacy permits Privacy.NonPrivate, Privacy.Private {

  /** Plain (non-private) training: the baseline that shows what DP costs. */
  record NonPrivate() implements Privacy {}

  /**
   * DP-SGD with {@code dpSgd}; ε at {@code delta} is reported by {@code accountant}, and training
   * stops before a step would take ε past {@code epsilonBudget} (infinite: no budget).
   */
  record Private(DpSgdConfig dpSgd, double delta, AccountantKind accountant, double epsilonBudget)
      implements Privacy {
    public Private {
      if (dpSgd == null || accountant == null) {
        throw new IllegalArgumentException("private training needs a DP-SGD config and accountant");
      }
      PrivacyChecks.delta(delta);
      if (!(epsilonBudget > 0)) {
        throw new IllegalArgumentException("epsilonBudget must be > 0, got " + epsilonBudget);
      }
    }
  }
}
