package io.dpft.core.optim;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Updates a fixed list of parameters in place from gradients given per call. Owns its state
 * tensors (momentum buffers, moments) and frees them on {@link #close()}.
 */
public sealed interface Optimizer extends AutoCloseable permits SgdOptimizer, AdamOptimizer {

  /** Builds the optimizer for {@code parameters} (kept by reference, updated in place). */
  static Optimizer create(OptimizerConfig config, List<Tensor> parameters) {
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
  void step(List<Tensor> gradients, double lr);

  /** Number of updates done (restored by {@link #loadState}). */
  long steps();

  /** The state tensors by name, for checkpoints; owned by the optimizer (do not close). */
  Map<String, Tensor> state();

  /** Restores {@link #state()} and the step count from a checkpoint (copied into own tensors). */
  void loadState(Map<String, Tensor> state, long steps);

  /** Frees the state tensors. */
  @Override
  void close();
}
