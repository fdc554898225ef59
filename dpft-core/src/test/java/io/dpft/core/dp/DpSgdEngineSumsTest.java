package io.dpft.core.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Tape;
import io.dpft.privacy.noise.SecureGaussian;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Clipped sums taken from one engine and added to another (what dpft-spark's executors and driver
 * do) against accumulating the same examples in one engine: the same private gradients.
 */
class DpSgdEngineSumsTest {
  private static final long[][] IDS = {{2, 5, 7, 0}, {3, 9, 4, 11}, {6, 1, 0, 0}, {8, 12, 13, 2}};
  private static final long[][] MASK = {{1, 1, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 1}};
  private static final long[] LABELS = {0, 1, 1, 0};
  private static final DpSgdConfig CONFIG = DpSgdConfig.abadi(1.5, 0.05);

  private static void accumulate(DpSgdEngine engine, BertModel model, int from, int to) {
    try (PointerScope scope = new PointerScope();
        Tape tape = engine.startTape()) {
      long[][] ids = Arrays.copyOfRange(IDS, from, to);
      long[][] mask = Arrays.copyOfRange(MASK, from, to);
      Tensor logp = torch.log_softmax(
          model.classify(TokenBatch.of(ids, mask)), 1, new ScalarTypeOptional());
      Tensor gold = torch.tensor(Arrays.copyOfRange(LABELS, from, to));
      engine.accumulate(tape, torch.nll_loss(logp, gold, new TensorOptional(), 2, -100));
    }
  }

  private static float[] flat(Tensor t) {
    Tensor c = t.contiguous();
    float[] v = new float[(int) c.numel()];
    c.data_ptr_float().get(v);
    return v;
  }

  @Test
  void sumsTakenFromWorkersAndAddedEqualAccumulatingHere() {
    try (BertModel model = TinyBert.classifier(2, BertModel.Pooling.CLS);
        DpSgdEngine here = new DpSgdEngine(model, CONFIG, NormRules.standard());
        DpSgdEngine worker = new DpSgdEngine(model, CONFIG, NormRules.standard());
        DpSgdEngine driver = new DpSgdEngine(model, CONFIG, NormRules.standard());
        PointerScope scope = new PointerScope()) {
      accumulate(here, model, 0, 4);
      accumulate(worker, model, 0, 1);
      float[][] first = worker.takeClippedSums();
      accumulate(worker, model, 1, 4);
      float[][] rest = worker.takeClippedSums();
      driver.addClippedSums(first);
      driver.addClippedSums(rest);

      List<Tensor> expected = here.privateGradients(4, SecureGaussian.seededForReproducibility(9));
      List<Tensor> actual = driver.privateGradients(4, SecureGaussian.seededForReproducibility(9));
      for (int i = 0; i < expected.size(); i++) {
        float[] e = flat(expected.get(i));
        float[] a = flat(actual.get(i));
        for (int j = 0; j < e.length; j++) {
          assertThat((double) a[j]).as("parameter %d [%d]", i, j)
              .isCloseTo(e[j], within(1e-6 + 1e-5 * Math.abs(e[j])));
        }
      }
      // taking empties the worker's accumulators
      for (float[] sum : worker.takeClippedSums()) {
        for (float v : sum) {
          assertThat(v).isZero();
        }
      }
    }
  }

  @Test
  void sumsOfAnotherShapeAreRefused() {
    try (BertModel model = TinyBert.classifier(2, BertModel.Pooling.CLS);
        DpSgdEngine engine = new DpSgdEngine(model, CONFIG, NormRules.standard())) {
      float[][] sums = engine.takeClippedSums();
      assertThatThrownBy(() -> engine.addClippedSums(new float[sums.length - 1][]))
          .isInstanceOf(IllegalArgumentException.class);
      sums[0] = new float[sums[0].length + 1];
      assertThatThrownBy(() -> engine.addClippedSums(sums))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
