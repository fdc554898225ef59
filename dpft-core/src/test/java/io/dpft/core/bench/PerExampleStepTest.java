package io.dpft.core.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.ClippingStats;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.TinyBert;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.optim.Optimizer;
import io.dpft.core.optim.OptimizerConfig;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.core.tasks.SequenceClassificationTask;
import io.dpft.data.batching.EncodedTextDataset;
import io.dpft.data.batching.TextBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-example baseline must compute the DP step that the engine computes, or comparing their
 * speed means nothing: with σ = 0 and plain SGD at learning rate 1, the parameter update of one
 * baseline step (B batch-of-one backward passes, clip, sum) must equal the update from the
 * engine's one-backward clipped sum, as the trainer's DP path computes it (tape, summed loss,
 * {@link DpSgdEngine#accumulate}, {@link DpSgdEngine#privateGradients}) — to a relative 1e-5,
 * plus one float32 rounding of the updated parameter.
 */
class PerExampleStepTest {
  private static final int B = 4;
  private static final double TOLERANCE = 1e-5;

  /**
   * Sequence lengths for both weight-norm paths of the engine on the 8-wide tiny BERT: at T = 3
   * the encoder's weights take ghost norms (3·(8 + 16) &lt; 8·16), at T = 7 they are instantiated.
   */
  @ParameterizedTest(name = "T = {0}")
  @ValueSource(ints = {3, 7})
  void perExampleStep_clippingEverySample_givesTheEngineUpdate(int t) {
    ClippingStats stats = compareUpdates(t, 1e-3);
    assertThat(stats.clippedFraction()).isEqualTo(1.0);
  }

  @ParameterizedTest(name = "T = {0}")
  @ValueSource(ints = {3, 7})
  void perExampleStep_clippingSomeSamples_givesTheEngineUpdate(int t) {
    double meanNorm = compareUpdates(t, 1e-3).meanNorm();
    ClippingStats stats = compareUpdates(t, meanNorm);
    assertThat(stats.clippedFraction()).isStrictlyBetween(0.0, 1.0);
  }

  /** Asserts equal updates at threshold {@code c}; returns the engine's clipping statistics. */
  private static ClippingStats compareUpdates(int t, double c) {
    DpSgdConfig dp = DpSgdConfig.abadi(0, c);
    OptimizerConfig sgd = new OptimizerConfig.Sgd(0, 0);
    try (PointerScope scope = new PointerScope();
        BertModel engineModel = TinyBert.classifier(SyntheticBatch.LABELS, BertModel.Pooling.MEAN);
        BertModel loopModel = TinyBert.classifier(SyntheticBatch.LABELS, BertModel.Pooling.MEAN)) {
      EncodedTextDataset data = SyntheticBatch.of(engineModel.config(), B, t, 17);

      List<Tensor> before = snapshot(loopModel);
      SequenceClassificationTask loopTask = task(loopModel, data);
      try (PerExampleStep step = new PerExampleStep(loopModel, loopTask, dp, sgd, 1.0, null)) {
        step.run();
      }
      List<Tensor> loopUpdate = difference(snapshot(loopModel), before);

      new FineTuningMethod.Full().apply(engineModel, Benchmark.HEAD_PREFIX);
      engineModel.train(true);
      SequenceClassificationTask engineTask = task(engineModel, data);
      ClippingStats stats;
      try (DpSgdEngine engine = new DpSgdEngine(engineModel, dp, NormRules.standard());
          Optimizer optimizer = Optimizer.create(sgd, tensors(engine.parameters()))) {
        TextBatch batch = engineTask.physicalBatches(new int[] {0, 1, 2, 3}).get(0);
        Tape tape = Tape.start();
        Tensor loss;
        try {
          loss = engineTask.lossSum(batch);
        } finally {
          tape.close();
        }
        stats = engine.accumulate(tape, loss);
        optimizer.step(engine.privateGradients(B, null), 1.0);
        assertThat(tensors(engine.parameters())).hasSameSizeAs(before);
      }
      List<Tensor> engineUpdate = difference(snapshot(engineModel), before);

      List<String> names = new ArrayList<>(loopModel.parameters().keySet());
      for (int k = 0; k < names.size(); k++) {
        // each update is rounded once to the float32 parameter: allow one ulp of it besides
        float largestParameter = (float) before.get(k).abs().max().item_double();
        double scale = engineUpdate.get(k).abs().max().item_double();
        double diff = loopUpdate.get(k).sub(engineUpdate.get(k)).abs().max().item_double();
        assertThat(diff)
            .as(names.get(k))
            .isLessThanOrEqualTo(TOLERANCE * scale + Math.ulp(largestParameter));
      }
      assertThat(engineUpdate.stream().mapToDouble(u -> u.abs().max().item_double()).max()
          .orElseThrow()).isGreaterThan(0);
      return stats;
    }
  }

  private static SequenceClassificationTask task(BertModel model, EncodedTextDataset data) {
    return new SequenceClassificationTask(model, data, B, model.config().padTokenId(), 0);
  }

  private static List<Tensor> snapshot(BertModel model) {
    return model.parameters().values().stream()
        .map(p -> p.tensor().detach().clone())
        .collect(Collectors.toList());
  }

  private static List<Tensor> difference(List<Tensor> after, List<Tensor> before) {
    List<Tensor> out = new ArrayList<>();
    for (int k = 0; k < after.size(); k++) {
      out.add(after.get(k).sub(before.get(k)));
    }
    return out;
  }

  private static List<Tensor> tensors(List<Parameter> parameters) {
    return parameters.stream().map(Parameter::tensor).collect(Collectors.toList());
  }
}
