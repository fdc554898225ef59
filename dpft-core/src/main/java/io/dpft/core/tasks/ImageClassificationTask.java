package io.dpft.core.tasks;

import io.dpft.core.models.VitConfig;
import io.dpft.core.models.VitModel;
import io.dpft.core.train.TrainingTask;
import io.dpft.data.batching.ImageBatch;
import io.dpft.data.batching.ImageCollator;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.metrics.ConfusionMatrix;
import io.dpft.data.metrics.TopKAccuracy;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Image classification with a {@link VitModel} (Dosovitskiy et al., ICLR 2021): loss
 * ℓ_i = −log softmax(logits_i)[y_i], summed over the batch; evaluation by arg-max accuracy, top-5
 * accuracy (the gold class among the five highest logits) and the confusion matrix.
 */
public final class ImageClassificationTask implements TrainingTask<ImageBatch> {
  /** The k of the reported top-k accuracy, ImageNet's convention. */
  public static final int TOP_K = 5;

  private final VitModel model;
  private final int numLabels;
  private final ImageDataset train;
  private final ImageCollator collator;
  private final int maxPhysicalBatchSize;

  /** Scores of one evaluation. */
  public record ImageScores(double accuracy, double topFiveAccuracy, ConfusionMatrix confusion) {
    public ImageScores {
      Objects.requireNonNull(confusion, "confusion");
    }
  }

  /**
   * @throws IllegalArgumentException if the model has no classifier, its number of outputs is not
   *     the dataset's number of labels, or the dataset's transform does not produce the model's
   *     image size and channels
   */
  public ImageClassificationTask(VitModel model, ImageDataset train, int maxPhysicalBatchSize) {
    var classifier = model.parameters().get("classifier.weight");
    if (classifier == null) {
      throw new IllegalArgumentException(
          "image classification needs a VitModel with a classifier (numLabels > 0)");
    }
    this.model = model;
    this.numLabels = (int) classifier.shape()[0];
    checkData("train", train);
    this.train = train;
    this.maxPhysicalBatchSize = maxPhysicalBatchSize;
    this.collator = new ImageCollator(train, maxPhysicalBatchSize);
  }

  @Override
  public int size() {
    return train.size();
  }

  @Override
  public List<ImageBatch> physicalBatches(int[] logicalBatch) {
    return collator.collate(logicalBatch);
  }

  @Override
  public int batchSize(ImageBatch batch) {
    return batch.batchSize();
  }

  @Override
  public Tensor lossSum(ImageBatch batch) {
    Tensor logp = torch.log_softmax(model.classify(pixels(batch)), 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, Tensor.create(batch.labels(), batch.batchSize()),
        new TensorOptional(), 2 /* sum */, -100);
  }

  /** Logits (N × labels) of every image of {@code data}, in eval mode without gradients. */
  public float[][] logits(ImageDataset data) {
    checkData("data", data);
    boolean wasTraining = model.isTraining();
    model.eval();
    float[][] out = new float[data.size()][];
    ImageCollator evalCollator = new ImageCollator(data, maxPhysicalBatchSize);
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (ImageBatch batch : evalCollator.collate(IntStream.range(0, data.size()).toArray())) {
        try (PointerScope scope = new PointerScope()) {
          Tensor logits = model.classify(pixels(batch)).contiguous();
          float[] flat = new float[batch.batchSize() * numLabels];
          logits.data_ptr_float().get(flat);
          for (int r = 0; r < batch.batchSize(); r++) {
            out[batch.indices()[r]] = Arrays.copyOfRange(flat, r * numLabels, (r + 1) * numLabels);
          }
        }
      }
    } finally {
      model.train(wasTraining);
    }
    return out;
  }

  /** Accuracy, top-5 accuracy and confusion matrix of arg-max predictions on {@code data}. */
  public ImageScores evaluate(ImageDataset data) {
    float[][] logits = logits(data);
    int[] gold = IntStream.range(0, data.size()).map(data::label).toArray();
    int[] predicted = Arrays.stream(logits).mapToInt(SequenceClassificationTask::argMax).toArray();
    ConfusionMatrix confusion = ConfusionMatrix.of(predicted, gold, numLabels);
    return new ImageScores(
        confusion.accuracy(), TopKAccuracy.of(logits, gold, TOP_K), confusion);
  }

  private static Tensor pixels(ImageBatch batch) {
    return Tensor.create(batch.pixels(), batch.batchSize(), batch.channels(), batch.height(),
        batch.width());
  }

  private void checkData(String name, ImageDataset data) {
    VitConfig config = model.config();
    ImageTransform transform = data.transform();
    if (transform.imageSize() != config.imageSize()
        || transform.channels() != config.numChannels()) {
      throw new IllegalArgumentException(name + " (" + data.source() + ") gives "
          + transform.channels() + "×" + transform.imageSize() + "² images but the model needs "
          + config.numChannels() + "×" + config.imageSize() + "²: use data.withTransform(...)");
    }
    if (data.labels().size() != numLabels) {
      throw new IllegalArgumentException(name + " (" + data.source() + ") has "
          + data.labels().size() + " labels but the model's classifier has " + numLabels
          + " outputs");
    }
  }
}
