package io.dpft.core.tasks;

import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.train.TrainingTask;
import io.dpft.data.batching.CausalLmBatch;
import io.dpft.data.batching.CausalLmCollator;
import io.dpft.data.batching.CausalLmExample;
import java.util.List;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Table-to-text generation (E2E) as causal language modelling with a {@link Gpt2Model}: each row
 * is the linearised table (prompt) followed by a reference text (target), and only the target is
 * learned. With labels y aligned to the inputs ({@link CausalLmBatch#IGNORE} on prompt and
 * padding positions) and logits z, position t predicts token t+1 (the shift of Hugging Face's
 * {@code GPT2LMHeadModel}), so the per-sample loss is
 *
 * <pre>
 *   ℓ_i = Σ_{t : y_{i,t+1} ≠ IGNORE} −log softmax(z_{i,t})[y_{i,t+1}],
 * </pre>
 *
 * the summed token cross-entropy of sample i's target (a sum, as in Li et al., "Large Language
 * Models Can Be Strong Differentially Private Learners", ICLR 2022, so that each sample's clipped
 * gradient is that of its whole sequence). Evaluation by generation is {@link TextGeneration}'s.
 */
public final class CausalLmTask implements TrainingTask<CausalLmBatch> {
  private final Gpt2Model model;
  private final int size;
  private final CausalLmCollator collator;

  /**
   * @param train prompt and target ids of every training example
   * @param maxLength rows are cut to this many tokens (at most the model's {@code n_positions})
   * @param padId the id written at padding positions (masked out; GPT-2 pads with EOS)
   * @param seed seeds the collator's bucketing of rows into physical batches
   */
  public CausalLmTask(Gpt2Model model, List<CausalLmExample> train, int maxPhysicalBatchSize,
      int maxLength, long padId, long seed) {
    int limit = model.config().nPositions();
    if (maxLength > limit) {
      throw new IllegalArgumentException("maxLength must be <= " + limit
          + " (the model's n_positions), got " + maxLength);
    }
    this.model = model;
    this.size = train.size();
    this.collator = new CausalLmCollator(train, maxPhysicalBatchSize, maxLength, padId, seed);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public List<CausalLmBatch> physicalBatches(int[] logicalBatch) {
    return collator.collate(logicalBatch);
  }

  @Override
  public int batchSize(CausalLmBatch batch) {
    return batch.batchSize();
  }

  @Override
  public Tensor lossSum(CausalLmBatch batch) {
    int b = batch.batchSize();
    int t = batch.seqLength();
    Tensor hidden = model.forward(
        TokenBatch.of(b, t, batch.inputIds(), batch.attentionMask(), null)); // (B, T, d)
    // position t predicts token t+1: logits of 0..T-2 against labels of 1..T-1
    Tensor logits = model.logits(hidden.narrow(1, 0, t - 1)); // (B, T-1, V)
    Tensor labels = Tensor.create(batch.labels(), b, t).narrow(1, 1, t - 1); // (B, T-1)
    Tensor logp = torch.log_softmax(logits.flatten(0, 1), 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, labels.flatten(0, 1), new TensorOptional(), 2 /* sum */,
        CausalLmBatch.IGNORE);
  }
}
