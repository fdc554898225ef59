package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * 500 training steps of a small BERT, each inside its own PointerScope, must not grow the process'
 * resident memory: every native tensor of a step is freed when its scope closes.
 */
class BertModelNativeMemoryTest {
  private static final int STEPS = 500;
  private static final int WARM_UP = 100;
  private static final long MAX_GROWTH_KB = 100 * 1024;

  @Test
  void trainingSteps_insidePointerScopes_keepResidentMemoryFlat() throws IOException {
    BertConfig config = new BertConfig(ModelType.BERT, 200, 32, 2, 4, 64, Activation.GELU, 0.1,
        0.1, 64, 2, 1e-12, 0);
    Random random = new Random(1);
    long[][] ids = new long[8][24];
    long[][] mask = new long[8][24];
    for (int i = 0; i < 8; i++) {
      for (int t = 0; t < 24; t++) {
        boolean token = t < 12 + i;
        ids[i][t] = token ? 1 + random.nextInt(199) : 0;
        mask[i][t] = token ? 1 : 0;
      }
    }
    long[] labels = {0, 1, 0, 1, 1, 0, 0, 1};
    long atWarmUp = 0;
    try (BertModel model = new BertModel(config, Options.sequenceClassification(2, Pooling.CLS))) {
      for (int step = 1; step <= STEPS; step++) {
        try (PointerScope scope = new PointerScope()) {
          boolean useTape = step % 2 == 0; // alternate the DP path and plain backward
          Tape tape = useTape ? Tape.start() : null;
          try {
            Tensor logits = model.classify(TokenBatch.of(ids, mask));
            Tensor loss = torch.nll_loss(torch.log_softmax(logits, 1), Tensor.create(labels, 8),
                new TensorOptional(), 2, -100);
            if (useTape) {
              List<Tensor> grads = tape.outputGradients(loss);
              assertThat(grads).hasSize(tape.entries().size());
            } else {
              loss.backward();
              try (NoGradGuard noGrad = new NoGradGuard()) {
                for (Parameter p : model.parameters().values()) {
                  p.tensor().sub_(p.tensor().grad().mul(new Scalar(1e-3)));
                  p.tensor().mutable_grad().reset();
                }
              }
            }
          } finally {
            if (tape != null) {
              tape.close();
            }
          }
        }
        if (step == WARM_UP) {
          atWarmUp = ResidentMemory.kilobytes();
        }
      }
    }
    long growthKb = ResidentMemory.kilobytes() - atWarmUp;
    assertThat(growthKb).as("VmRSS growth from step %d to %d, kB", WARM_UP, STEPS)
        .isLessThan(MAX_GROWTH_KB);
  }
}
