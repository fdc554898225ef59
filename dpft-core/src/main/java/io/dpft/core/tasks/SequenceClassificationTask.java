package io.dpft.core.tasks;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.train.TrainingTask;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import io.dpft.data.batching.TextCollator;
import io.dpft.data.metrics.ConfusionMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Sequence classification (single sentences or pairs) with a {@link BertModel} head: loss
 * ℓ_i = −log softmax(logits_i)[y_i], summed over the batch; predictions by arg-max.
 */
public final class SequenceClassificationTask implements TrainingTask<TextBatch> {
  private final BertModel model;
  private final EncodedTextDataset train;
  private final TextCollator collator;
  private final int maxPhysicalBatchSize;
  private final long padId;

  public SequenceClassificationTask(
      BertModel model, EncodedTextDataset train, int maxPhysicalBatchSize, long padId, long seed) {
    if (model.options().numLabels() < 2) {
      throw new IllegalArgumentException(
          "sequence classification needs a model with a classifier of >= 2 labels, got "
              + model.options().numLabels());
    }
    this.model = model;
    this.train = train;
    this.maxPhysicalBatchSize = maxPhysicalBatchSize;
    this.padId = padId;
    this.collator = new TextCollator(train, maxPhysicalBatchSize, padId, seed);
  }

  @Override
  public int size() {
    return train.size();
  }

  @Override
  public List<TextBatch> physicalBatches(int[] logicalBatch) {
    return collator.collate(logicalBatch);
  }

  @Override
  public int batchSize(TextBatch batch) {
    return batch.batchSize();
  }

  @Override
  public Tensor lossSum(TextBatch batch) {
    Tensor logits = model.classify(TokenBatch.of(batch)); // (B, labels)
    Tensor logp = torch.log_softmax(logits, 1, new ScalarTypeOptional());
    Tensor gold = torch.tensor(batch.labels());
    return torch.nll_loss(logp, gold, new TensorOptional(), 2 /* sum */, -100);
  }

  /** Class probabilities (N × labels) for every example of {@code data}, in eval mode. */
  public float[][] probabilities(EncodedTextDataset data) {
    return perExample(data, logits -> torch.softmax(logits, 1, new ScalarTypeOptional()));
  }

  /**
   * ℓ_i = −log softmax(logits_i)[y_i] for every example of {@code data} (which must have labels),
   * in eval mode: the loss the model gives each example's label.
   */
  public double[] losses(EncodedTextDataset data) {
    float[][] logp =
        perExample(data, logits -> torch.log_softmax(logits, 1, new ScalarTypeOptional()));
    double[] losses = new double[logp.length];
    for (int i = 0; i < logp.length; i++) {
      losses[i] = -logp[i][data.labels()[i]];
    }
    return losses;
  }

  /** {@code rows} of the logits (N × labels) of every example of {@code data}, in eval mode. */
  private float[][] perExample(EncodedTextDataset data, UnaryOperator<Tensor> rows) {
    boolean wasTraining = model.isTraining();
    model.eval();
    float[][] out = new float[data.size()][];
    TextCollator evalCollator = new TextCollator(data, maxPhysicalBatchSize, padId, 0);
    int[] all = IntStream.range(0, data.size()).toArray();
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (TextBatch batch : evalCollator.collate(all)) {
        try (PointerScope scope = new PointerScope()) {
          Tensor p = rows.apply(model.classify(TokenBatch.of(batch))).contiguous();
          int labels = (int) p.size(1);
          float[] flat = new float[batch.batchSize() * labels];
          p.data_ptr_float().get(flat);
          for (int r = 0; r < batch.batchSize(); r++) {
            out[batch.indices()[r]] = Arrays.copyOfRange(flat, r * labels, (r + 1) * labels);
          }
        }
      }
    } finally {
      model.train(wasTraining);
    }
    return out;
  }

  /** The confusion matrix of arg-max predictions on {@code data} (which must have labels). */
  public ConfusionMatrix evaluate(EncodedTextDataset data) {
    float[][] p = probabilities(data);
    int[] predicted = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      predicted[i] = argMax(p[i]);
    }
    return ConfusionMatrix.of(predicted, data.labels(), model.options().numLabels());
  }

  static int argMax(float[] v) {
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }
}
