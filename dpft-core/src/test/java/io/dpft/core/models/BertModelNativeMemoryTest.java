package io.dpft.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Precision;
import io.dpft.core.nn.Tape;
import io.dpft.core.peft.FineTuningMethod;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
    try (BertModel model = smallBert(Pooling.CLS)) {
      assertResidentMemoryFlat(model, step -> {
        if (step % 2 == 0) { // alternate the DP path and plain backward
          Tape tape = Tape.start();
          return loss -> {
            try (tape) {
              List<Tensor> grads = tape.outputGradients(loss);
              assertThat(grads).hasSize(tape.entries().size());
            }
          };
        }
        return loss -> plainStep(loss, model.parameters().values());
      });
    }
  }

  /** The methods that add modules of their own, each with small settings. */
  static Stream<FineTuningMethod> addedModules() {
    return Stream.of(new FineTuningMethod.SideNetwork(4), new FineTuningMethod.Reversible(8, 0.1),
        new FineTuningMethod.Adapter(8), FineTuningMethod.of("lora"));
  }

  /**
   * A method's added modules (a side network beside the frozen encoder, a reversible stack's
   * custom backward, adapters, LoRA), DP steps through the engine alternating with plain
   * backward: the encoder's no-grad tensors, the recorded activations and whatever the custom
   * backward keeps go with the step.
   */
  @ParameterizedTest
  @MethodSource("addedModules")
  void addedModuleSteps_insidePointerScopes_keepResidentMemoryFlat(FineTuningMethod method)
      throws IOException {
    try (BertModel model = smallBert(Pooling.MEAN)) {
      assertDpAndPlainStepsFlat(model, method);
    }
  }

  /**
   * Under bf16 the frozen weights' bfloat16 copies are kept across steps (made once, as the
   * float32 packed ones), and trainable weights' copies and the casts go with the step: BiTFiT
   * (every weight frozen), LoRA (frozen base weights, trainable LoRA matrices) and full
   * fine-tuning (every weight trainable), DP and plain.
   */
  @ParameterizedTest
  @MethodSource("bf16Methods")
  void bf16Steps_insidePointerScopes_keepResidentMemoryFlat(FineTuningMethod method)
      throws IOException {
    try (BertModel model = smallBert(Pooling.MEAN)) {
      model.setPrecision(Precision.BF16);
      assertDpAndPlainStepsFlat(model, method);
    }
  }

  static Stream<FineTuningMethod> bf16Methods() {
    return Stream.of(new FineTuningMethod.BitFit(false), FineTuningMethod.of("lora"),
        new FineTuningMethod.Full());
  }

  /** {@code method} on {@code model}, DP steps through the engine alternating with plain ones. */
  private static void assertDpAndPlainStepsFlat(BertModel model, FineTuningMethod method)
      throws IOException {
    method.extend(model);
    method.apply(model, BertModel.HEAD);
    List<Parameter> trained =
        model.parameters().values().stream().filter(Parameter::isTrainable).toList();
    try (DpSgdEngine engine =
        new DpSgdEngine(model, DpSgdConfig.abadi(0, 1.0), NormRules.standard())) {
      assertResidentMemoryFlat(model, step -> {
        if (step % 2 == 0) {
          Tape tape = engine.startTape();
          return loss -> {
            try (tape) {
              engine.accumulate(tape, loss);
            }
            engine.privateGradients(8, null);
          };
        }
        return loss -> plainStep(loss, trained);
      });
    }
  }

  private static BertModel smallBert(Pooling pooling) {
    BertConfig config = new BertConfig(ModelType.BERT, 200, 32, 2, 4, 64, Activation.GELU, 0.1,
        0.1, 64, 2, 1e-12, 0);
    return new BertModel(config, Options.sequenceClassification(2, pooling));
  }

  /** What a step does with its summed loss. */
  interface LossStep {
    void run(Tensor loss);
  }

  /**
   * Runs {@value #STEPS} steps on 8 padded sequences, each in its own PointerScope:
   * {@code before.apply(step)} runs before the forward pass and returns what to do with the loss.
   */
  private static void assertResidentMemoryFlat(BertModel model, Function<Integer, LossStep> before)
      throws IOException {
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
    for (int step = 1; step <= STEPS; step++) {
      try (PointerScope scope = new PointerScope()) {
        LossStep after = before.apply(step);
        Tensor logits = model.classify(TokenBatch.of(ids, mask));
        after.run(torch.nll_loss(torch.log_softmax(logits, 1), Tensor.create(labels, 8),
            new TensorOptional(), 2, -100));
      }
      if (step == WARM_UP) {
        atWarmUp = ResidentMemory.outsideJvmKilobytes();
      }
    }
    long growthKb = ResidentMemory.outsideJvmKilobytes() - atWarmUp;
    assertThat(growthKb).as("growth of VmRSS outside the JVM from step %d to %d, kB", WARM_UP, STEPS)
        .isLessThan(MAX_GROWTH_KB);
  }

  /** Plain backward and an SGD update of {@code trained}. */
  private static void plainStep(Tensor loss, Collection<Parameter> trained) {
    loss.backward();
    try (NoGradGuard noGrad = new NoGradGuard()) {
      for (Parameter p : trained) {
        p.tensor().sub_(p.tensor().grad().mul(new Scalar(1e-3)));
        p.tensor().mutable_grad().reset();
      }
    }
  }
}
