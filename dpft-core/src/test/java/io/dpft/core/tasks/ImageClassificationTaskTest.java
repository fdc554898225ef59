package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.VitConfig;
import io.dpft.core.models.VitModel;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.data.batching.ImageBatch;
import io.dpft.data.datasets.LabelVocabulary;
import io.dpft.data.datasets.SkipReport;
import io.dpft.data.datasets.image.ImageDataset;
import io.dpft.data.datasets.image.ImageTransform;
import io.dpft.data.datasets.image.RawImage;
import io.dpft.data.metrics.ConfusionMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Loss and metrics against a one-image-at-a-time computation in plain Java: double-precision
 * log-softmax of each image's own logits, arg-max and the gold class's rank counted in the test.
 */
class ImageClassificationTaskTest {
  private static final int SIDE = 8;
  private static final int LABELS = 7;
  private static final int IMAGES = 11;

  private static VitModel model() {
    torch.manual_seed(9);
    List<String> names = IntStream.range(0, LABELS).mapToObj(k -> "c" + k).toList();
    VitModel model = new VitModel(
        new VitConfig(8, 1, 2, 12, Activation.GELU, 0, 0, 1e-12, SIDE, 4, 3, names), LABELS);
    Random random = new Random(10);
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      // spread the logits: with the default initialisation they are all close to 0
      for (Parameter p : model.parameters().values()) {
        float[] noise = new float[(int) p.tensor().numel()];
        for (int i = 0; i < noise.length; i++) {
          noise[i] = (float) random.nextGaussian();
        }
        p.tensor().add_(Tensor.create(noise, p.shape()));
      }
    }
    model.eval();
    return model;
  }

  private static ImageDataset data(int side) {
    Random random = new Random(4);
    List<RawImage> images = new ArrayList<>();
    int[] labels = new int[IMAGES];
    for (int i = 0; i < IMAGES; i++) {
      byte[] pixels = new byte[3 * side * side];
      random.nextBytes(pixels);
      images.add(new RawImage(pixels, 3, side, side));
      labels[i] = random.nextInt(LABELS);
    }
    LabelVocabulary vocabulary = new LabelVocabulary(
        IntStream.range(0, LABELS).mapToObj(k -> "c" + k).toList());
    return new ImageDataset("random", images, labels, vocabulary, SkipReport.NONE,
        ImageTransform.uniform(side, 3, 0.5f, 0.25f));
  }

  /** Logits of image {@code index} alone, in double. */
  private static double[] logitsAlone(VitModel model, ImageDataset data, int index) {
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      Tensor logits = model.classify(
          Tensor.create(data.get(index).pixels(), 1, 3, SIDE, SIDE)).contiguous();
      float[] values = new float[LABELS];
      logits.data_ptr_float().get(values);
      double[] out = new double[LABELS];
      for (int k = 0; k < LABELS; k++) {
        out[k] = values[k];
      }
      return out;
    }
  }

  @Test
  void lossSum_isSummedCrossEntropyOfEachImageAlone() {
    ImageDataset data = data(SIDE);
    try (VitModel model = model()) {
      ImageClassificationTask task = new ImageClassificationTask(model, data, 4);
      double expected = 0;
      for (int i = 0; i < IMAGES; i++) {
        double[] z = logitsAlone(model, data, i);
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
          sum += Math.exp(v - max);
        }
        expected -= z[data.label(i)] - max - Math.log(sum);
      }
      List<ImageBatch> batches = task.physicalBatches(IntStream.range(0, IMAGES).toArray());
      assertThat(batches).hasSize(3);
      double actual = 0;
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (ImageBatch batch : batches) {
          try (PointerScope scope = new PointerScope()) {
            actual += task.lossSum(batch).item_double();
          }
        }
      }
      assertThat(actual).isCloseTo(expected, within(1e-5 * expected));
    }
  }

  @Test
  void evaluate_matchesArgMaxAndRankOfEachImageAlone() {
    ImageDataset data = data(SIDE);
    try (VitModel model = model()) {
      ImageClassificationTask task = new ImageClassificationTask(model, data, 4);
      int[] predicted = new int[IMAGES];
      int[] gold = new int[IMAGES];
      int correct = 0;
      int topFive = 0;
      for (int i = 0; i < IMAGES; i++) {
        double[] z = logitsAlone(model, data, i);
        gold[i] = data.label(i);
        int best = 0;
        int higher = 0;
        for (int k = 0; k < LABELS; k++) {
          best = z[k] > z[best] ? k : best;
          higher += z[k] > z[gold[i]] ? 1 : 0;
        }
        predicted[i] = best;
        correct += best == gold[i] ? 1 : 0;
        topFive += higher < 5 ? 1 : 0;
      }
      model.train(true);

      ImageClassificationTask.ImageScores scores = task.evaluate(data);

      assertThat(scores.accuracy()).isEqualTo((double) correct / IMAGES);
      assertThat(scores.topFiveAccuracy()).isEqualTo((double) topFive / IMAGES);
      ConfusionMatrix confusion = scores.confusion();
      for (int g = 0; g < LABELS; g++) {
        for (int p = 0; p < LABELS; p++) {
          int gg = g;
          int pp = p;
          long count = IntStream.range(0, IMAGES)
              .filter(i -> gold[i] == gg && predicted[i] == pp).count();
          assertThat(confusion.count(g, p)).as("gold %d predicted %d", g, p).isEqualTo(count);
        }
      }
      assertThat(model.isTraining()).isTrue(); // mode restored
    }
  }

  @Test
  void constructor_imageSizeOtherThanModels_throws() {
    try (VitModel model = model()) {
      assertThatThrownBy(() -> new ImageClassificationTask(model, data(2 * SIDE), 4))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("3×16²")
          .hasMessageContaining("withTransform");
    }
  }

  /** DP-BiTFiT on ViT: biases and the classifier train, one accumulate runs. */
  @Test
  void dpBitFit_acceptsModelAndAccumulatesOneBatch() {
    double maxGradNorm = 0.5;
    ImageDataset data = data(SIDE);
    try (PointerScope scope = new PointerScope(); VitModel model = model()) {
      new FineTuningMethod.BitFit(false).apply(model, "classifier");
      model.train(true);
      ImageClassificationTask task = new ImageClassificationTask(model, data, 4);
      ImageBatch batch = task.physicalBatches(new int[] {0, 3, 5, 7}).get(0);
      try (DpSgdEngine engine = new DpSgdEngine(model, DpSgdConfig.abadi(0, maxGradNorm),
          NormRules.standard())) {
        assertThat(engine.parameters()).isNotEmpty().allMatch(
            p -> p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS
                || p == model.parameters().get("classifier.weight"));
        ClippingStats stats;
        try (Tape tape = Tape.start()) {
          stats = engine.accumulate(tape, task.lossSum(batch));
        }
        assertThat(stats.samples()).isEqualTo(4);
        assertThat(stats.maxNorm()).isPositive();
        double squared = 0;
        for (Tensor g : engine.privateGradients(1.0, null)) {
          squared += g.square().sum().item_double();
        }
        assertThat(Math.sqrt(squared)).isPositive()
            .isLessThanOrEqualTo(4 * maxGradNorm * (1 + 1e-6));
      }
    }
  }
}
