package io.dpft.core.train;

import io.dpft.core.dp.PatchClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A learnable task for trainer tests: {@link #N} random 3×8×8 images whose label is the channel
 * of the highest mean colour (a linear read-out of the mean colour learns it), for a
 * {@link PatchClassifier} (or any model giving logits for images); physical batches of at most 5
 * examples. Owns the image tensors: close it.
 */
public final class ColourTask implements TrainingTask<int[]>, AutoCloseable {
  public static final int N = 48;
  public static final int LABELS = 3;
  private final UnaryOperator<Tensor> model;
  private final Tensor images;
  private final Tensor labels;

  public ColourTask(PatchClassifier model, long seed) {
    this(model::forward, colourImages(N, seed));
  }

  /**
   * A task on {@code imagesAndLabels} (images (n, 3, 8, 8) and labels (n), which it takes over),
   * scored by {@code model}'s logits (n, {@link #LABELS}).
   */
  public ColourTask(UnaryOperator<Tensor> model, Tensor[] imagesAndLabels) {
    this.model = model;
    this.images = imagesAndLabels[0];
    this.labels = imagesAndLabels[1];
  }

  /** {@code n} seeded random images and their colour labels; the caller owns both. */
  public static Tensor[] colourImages(int n, long seed) {
    try (PointerScope scope = new PointerScope()) {
      torch.manual_seed(seed);
      Tensor images = torch.randn(n, 3, 8, 8);
      Tensor colour = images.mean(new long[] {2, 3}, false, new ScalarTypeOptional()); // (n, 3)
      Tensor labels = colour.argmax(new LongOptional(1), false);
      images.retainReference();
      labels.retainReference();
      return new Tensor[] {images, labels};
    }
  }

  @Override
  public int size() {
    return (int) images.size(0);
  }

  @Override
  public List<int[]> physicalBatches(int[] logicalBatch) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < logicalBatch.length; i += 5) {
      out.add(Arrays.copyOfRange(logicalBatch, i, Math.min(logicalBatch.length, i + 5)));
    }
    return out;
  }

  @Override
  public int batchSize(int[] batch) {
    return batch.length;
  }

  @Override
  public Tensor lossSum(int[] batch) {
    long[] idx = Arrays.stream(batch).asLongStream().toArray();
    Tensor index = torch.tensor(idx);
    Tensor logits = model.apply(images.index_select(0, index));
    Tensor logp = torch.log_softmax(logits, 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, labels.index_select(0, index), new TensorOptional(), 2, -100);
  }

  /** Fraction of the images the model classifies correctly. */
  public double accuracy() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor predicted = model.apply(images).argmax(new LongOptional(1), false);
      return predicted.eq(labels).sum().item_long() / (double) size();
    }
  }

  @Override
  public void close() {
    images.close();
    labels.close();
  }
}
