package io.dpft.core.optim;

import io.dpft.privacy.PrivacyChecks;

/** Which optimizer to build, with its hyper-parameters validated at construction. */
public sealed interface OptimizerConfig
    permits OptimizerConfig.Sgd, OptimizerConfig.Adam, OptimizerConfig.AdamW {

  /**
   * SGD with heavy-ball momentum (PyTorch convention: {@code buf = momentum·buf + g},
   * {@code p -= lr·buf}) and L2 weight decay added to the gradient.
   */
  record Sgd(double momentum, double weightDecay) implements OptimizerConfig {
    public Sgd {
      checkUnitInterval("momentum", momentum);
      PrivacyChecks.nonNegative("weightDecay", weightDecay);
    }
  }

  /** Adam (Kingma &amp; Ba 2015) with L2 weight decay added to the gradient. */
  record Adam(double beta1, double beta2, double eps, double weightDecay)
      implements OptimizerConfig {
    public Adam {
      checkBetas(beta1, beta2, eps);
      PrivacyChecks.nonNegative("weightDecay", weightDecay);
    }

    public static Adam defaults() {
      return new Adam(0.9, 0.999, 1e-8, 0.0);
    }
  }

  /** AdamW (Loshchilov &amp; Hutter 2019): Adam with weight decay decoupled from the gradient. */
  record AdamW(double beta1, double beta2, double eps, double weightDecay)
      implements OptimizerConfig {
    public AdamW {
      checkBetas(beta1, beta2, eps);
      PrivacyChecks.nonNegative("weightDecay", weightDecay);
    }

    public static AdamW defaults() {
      return new AdamW(0.9, 0.999, 1e-8, 0.01);
    }
  }

  private static void checkBetas(double beta1, double beta2, double eps) {
    checkUnitInterval("beta1", beta1);
    checkUnitInterval("beta2", beta2);
    PrivacyChecks.positive("eps", eps);
  }

  private static void checkUnitInterval(String name, double value) {
    PrivacyChecks.finite(name, value);
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
    }
  }
}
