package io.dpft.core.tasks;

import io.dpft.core.models.BertModel;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.train.TrainingTask;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import io.dpft.data.batching.TextCollator;
import io.dpft.data.metrics.ConfusionMatrix;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>A linear probe costs one forward pass: while only the head trains (and the encoder has not
 * trained in this run), the head reads each dataset's pooled features, computed once in eval mode
 * (no dropout inside the frozen encoder) and kept, instead of running the encoder every step and
 * every evaluation. Once any encoder parameter trains (the second phase of a two-phase run) the
 * features are dropped for good. Close the task to free them.
 */
public final class SequenceClassificationTask implements TrainingTask<TextBatch>, AutoCloseable {
  private final BertModel model;
  private final EncodedTextDataset train;
  private final TextCollator collator;
  private final int maxPhysicalBatchSize;
  private final long padId;
  /** Pooled features (N × d) of each dataset seen while the encoder was frozen. */
  private final Map<EncodedTextDataset, Tensor> features = new IdentityHashMap<>();
  /** Whether a training step ran with the encoder trainable: kept features are stale then. */
  private boolean encoderTrained;

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
    if (!encoderTrained && encoderTrainable()) {
      encoderTrained = true; // the kept features go stale from this step on
      close();
    }
    Tensor logits = // (B, labels)
        !encoderTrained
            ? model.head(featuresOf(train).index_select(0, torch.tensor(indices(batch))))
            : model.classify(TokenBatch.of(batch));
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
      boolean frozen = !encoderTrained && !encoderTrainable();
      for (TextBatch batch : evalCollator.collate(all)) {
        try (PointerScope scope = new PointerScope()) {
          Tensor logits =
              frozen
                  ? model.head(featuresOf(data).index_select(0, torch.tensor(indices(batch))))
                  : model.classify(TokenBatch.of(batch));
          Tensor p = rows.apply(logits).contiguous();
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

  /** Whether a parameter outside the head is trainable now. */
  private boolean encoderTrainable() {
    return model.parameters().entrySet().stream()
        .anyMatch(p -> p.getValue().isTrainable() && !p.getKey().startsWith(BertModel.HEAD));
  }

  /** The pooled features of every example of {@code data}, computed on first use in eval mode. */
  private Tensor featuresOf(EncodedTextDataset data) {
    Tensor kept = features.get(data);
    if (kept != null) {
      return kept;
    }
    boolean wasTraining = model.isTraining();
    model.eval();
    TextCollator all = new TextCollator(data, maxPhysicalBatchSize, padId, 0);
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor out = torch.empty(data.size(), model.config().hiddenSize());
      for (TextBatch batch : all.collate(IntStream.range(0, data.size()).toArray())) {
        out.index_copy_(0, torch.tensor(indices(batch)), model.features(TokenBatch.of(batch)));
      }
      out.retainReference();
      features.put(data, out);
      return out;
    } finally {
      model.train(wasTraining);
    }
  }

  private static long[] indices(TextBatch batch) {
    return Arrays.stream(batch.indices()).asLongStream().toArray();
  }

  /** Frees the kept features. */
  @Override
  public void close() {
    features.values().forEach(Tensor::close);
    features.clear();
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
