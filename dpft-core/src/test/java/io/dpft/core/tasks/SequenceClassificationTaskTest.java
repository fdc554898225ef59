package io.dpft.core.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.models.BertModel;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import io.dpft.data.metrics.ConfusionMatrix;
import io.dpft.data.tokenize.TokenEncoding;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Loss and predictions against a one-example-at-a-time computation in plain Java. */
class SequenceClassificationTaskTest {
  private static final long[][] IDS = {{2, 5, 7, 3}, {2, 9, 3}, {2, 4, 4, 11, 3}, {2, 6, 3}};
  private static final int[] LABELS = {0, 1, 1, 0};

  private static EncodedTextDataset dataset() {
    List<TokenEncoding> encodings = new ArrayList<>();
    for (long[] ids : IDS) {
      long[] ones = new long[ids.length];
      java.util.Arrays.fill(ones, 1);
      encodings.add(new TokenEncoding(ids, ones, new long[ids.length]));
    }
    return new EncodedTextDataset(encodings, LABELS);
  }

  /** log p(y | x) of one unpadded example, the softmax done in double precision. */
  private static double[] logProbabilities(BertModel model, long[] ids) {
    long[] ones = new long[ids.length];
    java.util.Arrays.fill(ones, 1);
    Tensor logits = model.classify(TokenBatch.of(new long[][] {ids}, new long[][] {ones}));
    double a = logits.get(0).get(0).item_double();
    double b = logits.get(0).get(1).item_double();
    double max = Math.max(a, b);
    double log = max + Math.log(Math.exp(a - max) + Math.exp(b - max));
    return new double[] {a - log, b - log};
  }

  @Test
  void lossSum_isSummedCrossEntropyOfEachExampleAlone() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN);
        NoGradGuard noGrad = new NoGradGuard()) {
      SequenceClassificationTask task =
          new SequenceClassificationTask(model, dataset(), 3, 0, 1);
      double expected = 0;
      for (int i = 0; i < IDS.length; i++) {
        expected -= logProbabilities(model, IDS[i])[LABELS[i]];
      }
      double actual = 0;
      List<TextBatch> batches = task.physicalBatches(new int[] {0, 1, 2, 3});
      assertThat(batches).hasSize(2); // at most 3 per physical batch, padded
      for (TextBatch batch : batches) {
        actual += task.lossSum(batch).item_double();
      }
      assertThat(actual).isCloseTo(expected, within(1e-5));
    }
  }

  /**
   * The pooled-feature cache of a linear probe must not serve a side network, whose features
   * change as it trains: after its weights move, losses and probabilities follow them.
   */
  @Test
  void sideNetwork_lossAndProbabilitiesFollowTheTrainedSideNetwork() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN)) {
      FineTuningMethod side = new FineTuningMethod.SideNetwork(2);
      side.extend(model);
      side.apply(model, BertModel.HEAD);
      try (SequenceClassificationTask task =
          new SequenceClassificationTask(model, dataset(), 3, 0, 1)) {
        float[][] before = task.probabilities(dataset());
        try (NoGradGuard noGrad = new NoGradGuard()) {
          model.parameters().get("side.up.weight").tensor().normal_(0, 1, null);
          List<TextBatch> batches = task.physicalBatches(new int[] {0, 1, 2, 3});
          double expected = 0;
          for (int i = 0; i < IDS.length; i++) {
            expected -= logProbabilities(model, IDS[i])[LABELS[i]];
          }
          double actual = 0;
          for (TextBatch batch : batches) {
            actual += task.lossSum(batch).item_double();
          }
          assertThat(actual).isCloseTo(expected, within(1e-5));
        }
        float[][] after = task.probabilities(dataset());
        for (int i = 0; i < IDS.length; i++) {
          assertThat(after[i][1]).isCloseTo(
              (float) Math.exp(logProbabilities(model, IDS[i])[1]), within(1e-5f));
          assertThat(after[i][1]).isNotCloseTo(before[i][1], within(1e-4f));
        }
      }
    }
  }

  @Test
  void evaluate_countsArgMaxPredictions() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN)) {
      SequenceClassificationTask task =
          new SequenceClassificationTask(model, dataset(), 3, 0, 1);
      int[] predicted = new int[IDS.length];
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (int i = 0; i < IDS.length; i++) {
          double[] lp = logProbabilities(model, IDS[i]);
          predicted[i] = lp[1] > lp[0] ? 1 : 0;
        }
      }
      ConfusionMatrix expected = ConfusionMatrix.of(predicted, LABELS, 2);
      assertThat(task.evaluate(dataset()).accuracy()).isEqualTo(expected.accuracy());
      float[][] p = task.probabilities(dataset());
      for (float[] row : p) {
        assertThat(row[0] + row[1]).isCloseTo(1f, within(1e-5f));
      }
    }
  }

  /** Σ_i ℓ_i over all examples, batch by batch. */
  private static double lossSum(SequenceClassificationTask task) {
    double sum = 0;
    for (TextBatch batch : task.physicalBatches(new int[] {0, 1, 2, 3})) {
      sum += task.lossSum(batch).item_double();
    }
    return sum;
  }

  @Test
  void linearProbe_readsKeptFeatures_andTheFullForwardOnceTheEncoderTrains() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN);
        SequenceClassificationTask task =
            new SequenceClassificationTask(model, dataset(), 3, 0, 1);
        NoGradGuard noGrad = new NoGradGuard()) {
      model.eval(); // no dropout: the kept features are the eval-mode encoder's
      double expected = 0;
      for (int i = 0; i < IDS.length; i++) {
        expected -= logProbabilities(model, IDS[i])[LABELS[i]];
      }
      new FineTuningMethod.LastLayer().apply(model, BertModel.HEAD);
      assertThat(lossSum(task)).isCloseTo(expected, within(1e-5));

      // the encoder moves while frozen for the probe: the probe still reads the kept features
      Tensor bias = model.parameters().get("encoder.layer.0.output.dense.bias").tensor();
      bias.add_(torch.randn(bias.size(0)));
      assertThat(lossSum(task)).isCloseTo(expected, within(1e-5));

      // once the encoder trains (BiTFiT), every loss runs the encoder again
      new FineTuningMethod.BitFit(false).apply(model, BertModel.HEAD);
      double moved = 0;
      for (int i = 0; i < IDS.length; i++) {
        moved -= logProbabilities(model, IDS[i])[LABELS[i]];
      }
      assertThat(moved).isNotCloseTo(expected, within(1e-3));
      assertThat(lossSum(task)).isCloseTo(moved, within(1e-5));
      new FineTuningMethod.LastLayer().apply(model, BertModel.HEAD);
      assertThat(lossSum(task)).isCloseTo(moved, within(1e-5)); // features were dropped for good
    }
  }

  @Test
  void losses_areEachExamplesCrossEntropyAlone() {
    try (PointerScope scope = new PointerScope();
        BertModel model = TinyBert.classifier(2, BertModel.Pooling.MEAN)) {
      SequenceClassificationTask task =
          new SequenceClassificationTask(model, dataset(), 3, 0, 1);
      double[] losses = task.losses(dataset());
      try (NoGradGuard noGrad = new NoGradGuard()) {
        for (int i = 0; i < IDS.length; i++) {
          assertThat(losses[i])
              .as("example %d", i)
              .isCloseTo(-logProbabilities(model, IDS[i])[LABELS[i]], within(1e-5));
        }
      }
    }
  }
}
