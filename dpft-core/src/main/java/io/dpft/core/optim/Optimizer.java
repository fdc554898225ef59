package io.dpft.core.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Updates a fixed list of parameters in place from gradients given per call. Owns its state
 * tensors (momentum buffers, moments) and frees them on {@link #close()}. Subclasses give the
 * update rule of one parameter; the loop, scoping and state handling are here.
 */
public abstract sealed class Optimizer implements AutoCloseable
    permits SgdOptimizer, AdamOptimizer {
  private final OptimizerState state;

  Optimizer(List<Tensor> parameters, String... stateKinds) {
    this.state = new OptimizerState(parameters, stateKinds);
  }

  /** Builds the optimizer for {@code parameters} (kept by reference, updated in place). */
  public static Optimizer create(OptimizerConfig config, List<Tensor> parameters) {
    if (config instanceof OptimizerConfig.Sgd) {
      return new SgdOptimizer((OptimizerConfig.Sgd) config, parameters);
    }
    if (config instanceof OptimizerConfig.Adam) {
      OptimizerConfig.Adam a = (OptimizerConfig.Adam) config;
      return new AdamOptimizer(a.beta1(), a.beta2(), a.eps(), a.weightDecay(), false, parameters);
    }
    OptimizerConfig.AdamW a = (OptimizerConfig.AdamW) config;
    return new AdamOptimizer(a.beta1(), a.beta2(), a.eps(), a.weightDecay(), true, parameters);
  }

  /**
   * One update with learning rate {@code lr}; {@code gradients.get(i)} is the gradient of
   * parameter i (same shape). The gradients are read, not kept or modified.
   */
  public final void step(List<Tensor> gradients, double lr) {
    state.checkGradients(gradients);
    long t = state.steps() + 1;
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      for (int i = 0; i < gradients.size(); i++) {
        update(i, state.parameters().get(i), gradients.get(i), lr, t);
      }
    }
    state.advance();
  }

  /**
   * Updates parameter {@code p} (number {@code index}) in place from gradient {@code g} at
   * update number {@code t} (1-based); runs without autograd inside a scope.
   */
  abstract void update(int index, Tensor p, Tensor g, double lr, long t);

  /** The state buffer of {@code kind} for parameter {@code index}. */
  final Tensor buffer(String kind, int index) {
    return state.buffer(kind, index);
  }

  /** Number of updates done (restored by {@link #loadState}). */
  public final long steps() {
    return state.steps();
  }

  /** The state tensors by name, for checkpoints; owned by the optimizer (do not close). */
  public final Map<String, Tensor> state() {
    return state.asMap();
  }

  /** Restores {@link #state()} and the step count from a checkpoint (copied into own tensors). */
  public final void loadState(Map<String, Tensor> saved, long steps) {
    state.load(saved, steps);
  }

  /** Frees the state tensors. */
  @Override
  public final void close() {
    state.close();
  }
}
