package io.dpft.core.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/** SGD with momentum and L2 weight decay; see {@link OptimizerConfig.Sgd}. */
public final class SgdOptimizer implements Optimizer {
  private final OptimizerConfig.Sgd config;
  private final OptimizerState state;

  SgdOptimizer(OptimizerConfig.Sgd config, List<Tensor> parameters) {
    this.config = config;
    this.state =
        config.momentum() > 0
            ? new OptimizerState(parameters, "momentum_buffer")
            : new OptimizerState(parameters);
  }

  @Override
  public void step(List<Tensor> gradients, double lr) {
    state.checkGradients(gradients);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < gradients.size(); i++) {
        Tensor p = state.parameters().get(i);
        Tensor g = gradients.get(i);
        if (config.weightDecay() > 0) {
          g = g.add(p, new Scalar(config.weightDecay()));
        }
        if (config.momentum() > 0) {
          Tensor buf = state.buffer("momentum_buffer", i);
          // the first update starts the buffer at g, as PyTorch does
          if (state.steps() == 0) {
            buf.copy_(g);
          } else {
            buf.mul_(new Scalar(config.momentum())).add_(g);
          }
          g = buf;
        }
        p.sub_(g, new Scalar(lr));
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
