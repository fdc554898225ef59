package io.dpft.core.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Inverted dropout (Srivastava et al., JMLR 2014): in training mode each entry is zeroed with
 * probability {@code p} and the rest scaled by {@code 1/(1-p)}; the identity in evaluation mode.
 * Dropout masks are drawn per entry, so examples stay independent (DP-safe).
 */
public class Dropout extends Module {
  private final double p;

  public Dropout(double p) {
    this.p = checkProbability(p);
  }

  static double checkProbability(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    return p;
  }

  public Tensor forward(Tensor x) {
    return isTraining() && p > 0 ? torch.dropout(x, p, true) : x;
  }

  public double p() {
    return p;
  }
}
