package io.dpft.core.optim;

import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** SGD with momentum and L2 weight decay; see {@link OptimizerConfig.Sgd}. */
public final class SgdOptimizer extends Optimizer {
  private static final String MOMENTUM = "momentum_buffer";
  private final OptimizerConfig.Sgd config;

  SgdOptimizer(OptimizerConfig.Sgd config, List<Tensor> parameters) {
    super(parameters, config.momentum() > 0 ? new String[] {MOMENTUM} : new String[0]);
    this.config = config;
  }

  @Override
  void update(int index, Tensor p, Tensor g, double lr, long t) {
    if (config.weightDecay() > 0) {
      g = g.add(p, new Scalar(config.weightDecay()));
    }
    if (config.momentum() > 0) {
      Tensor buf = buffer(MOMENTUM, index);
      // the first update starts the buffer at g, as PyTorch does
      if (t == 1) {
        buf.copy_(g);
      } else {
        buf.mul_(new Scalar(config.momentum())).add_(g);
      }
      g = buf;
    }
    p.sub_(g, new Scalar(lr));
  }
}
