package io.dpft.core.train;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * What the trainer needs from a task (sequence classification, causal LM, image
 * classification): its training-set size, how a logical batch of example indices is packed into
 * physical batches, and the summed per-sample loss of a physical batch under the model it holds.
 *
 * @param <B> a physical batch (plain Java arrays from the data module)
 */
public interface TrainingTask<B> {

  /** N, the number of training examples; sampled indices are in [0, N). */
  int size();

  /** The physical batches (each at most the task's maximum size) holding these examples. */
  List<B> physicalBatches(int[] logicalBatch);

  /** Number of examples in {@code batch}. */
  int batchSize(B batch);

  /**
   * Σ_i ℓ_i over the batch (a sum, not a mean: DP clips each sample's gradient), from a forward
   * pass of the task's model in training mode. Called with a tape active under DP.
   */
  Tensor lossSum(B batch);
}
