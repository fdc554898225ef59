package io.dpft.core.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Adam (Kingma &amp; Ba 2015, Algorithm 1 with bias correction) and AdamW (Loshchilov &amp;
 * Hutter 2019: {@code p ← p·(1 − lr·λ)} before the Adam update instead of adding λp to g).
 */
public final class AdamOptimizer implements Optimizer {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean decoupled;
  private final OptimizerState state;

  AdamOptimizer(
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled,
      List<Tensor> parameters) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
    this.state = new OptimizerState(parameters, "exp_avg", "exp_avg_sq");
  }

  @Override
  public void step(List<Tensor> gradients, double lr) {
    state.checkGradients(gradients);
    long t = state.steps() + 1;
    double biasCorrection1 = 1 - Math.pow(beta1, t);
    double sqrtBiasCorrection2 = Math.sqrt(1 - Math.pow(beta2, t));
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < gradients.size(); i++) {
        Tensor p = state.parameters().get(i);
        Tensor g = gradients.get(i);
        if (weightDecay > 0) {
          if (decoupled) {
            p.mul_(new Scalar(1 - lr * weightDecay));
          } else {
            g = g.add(p, new Scalar(weightDecay));
          }
        }
        Tensor m = state.buffer("exp_avg", i);
        Tensor v = state.buffer("exp_avg_sq", i);
        m.mul_(new Scalar(beta1)).add_(g, new Scalar(1 - beta1));
        v.mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2));
        // p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)
        Tensor denom = v.sqrt().div_(new Scalar(sqrtBiasCorrection2)).add_(new Scalar(eps));
        p.addcdiv_(m, denom, new Scalar(-lr / biasCorrection1));
      }
    }
    state.advance();
  }

  @Override
  public long steps() {
    return state.steps();
  }

  @Override
  public Map<String, Tensor> state() {
    return state.asMap();
  }

  @Override
  public void loadState(Map<String, Tensor> saved, long steps) {
    state.load(saved, steps);
  }

  @Override
  public void close() {
    state.close();
  }
}
