package io.dpft.core.optim;

import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1 with bias correction) and AdamW (Loshchilov &amp;
 * Hutter 2019: {@code p ← p·(1 − lr·λ)} before the Adam update instead of adding λp to g).
 */
public final class AdamOptimizer extends Optimizer {
  private static final String EXP_AVG = "exp_avg";
  private static final String EXP_AVG_SQ = "exp_avg_sq";
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean decoupled;

  AdamOptimizer(
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled,
      List<Tensor> parameters) {
    super(parameters, EXP_AVG, EXP_AVG_SQ);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  void update(int index, Tensor p, Tensor g, double lr, long t) {
    if (weightDecay > 0) {
      if (decoupled) {
        p.mul_(new Scalar(1 - lr * weightDecay));
      } else {
        g = g.add(p, new Scalar(weightDecay));
      }
    }
    Tensor m = buffer(EXP_AVG, index);
    Tensor v = buffer(EXP_AVG_SQ, index);
    m.mul_(new Scalar(beta1)).add_(g, new Scalar(1 - beta1));
    v.mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2));
    // p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)
    double biasCorrection1 = 1 - Math.pow(beta1, t);
    double sqrtBiasCorrection2 = Math.sqrt(1 - Math.pow(beta2, t));
    Tensor denom = v.sqrt().div_(new Scalar(sqrtBiasCorrection2)).add_(new Scalar(eps));
    p.addcdiv_(m, denom, new Scalar(-lr / biasCorrection1));
  }
}
