package io.dpft.core.dp;

import static io.dpft.core.dp.DpSgdEngineTest.crossEntropySum;
import static io.dpft.core.dp.DpSgdEngineTest.tinyBert;
import static io.dpft.core.nn.TestTensors.relativeDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.DpSgdEngineTest.Batch;
import io.dpft.core.dp.DpSgdEngineTest.Trainable;
import io.dpft.core.dp.norms.Grams;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.dp.norms.PerSampleGradient;
import io.dpft.core.dp.norms.PerSampleNormRule;
import io.dpft.core.models.BertModel;
import io.dpft.core.nn.DpLayer;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Precision;
import io.dpft.core.nn.Tape;
import io.dpft.core.optim.Optimizer;
import io.dpft.core.optim.OptimizerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DP-SGD with {@link Precision#BF16} set on the model (whatever this CPU supports: bfloat16
 * arithmetic is correct everywhere, only slow without AVX512_BF16/AMX) against the same model in
 * float32, for DP-BiTFiT (every weight frozen) and DP full fine-tuning (every weight trainable,
 * its per-sample gradients formed in float32 from inputs and output gradients that the bfloat16
 * products before and after it rounded).
 *
 * <p>The bound {@link #RELATIVE}: bfloat16 rounds each operand by at most 2⁻⁹ ≈ 0.2%; the output
 * gradients pass back through both layers' products, each adding such an error. Measured here:
 * per-sample norms within 0.3% (DP-BiTFiT) and 0.55% (DP full), the update within 0.8% and 1.2%
 * of its largest entry; 2% leaves a margin while still catching a gradient lost or scaled on the
 * way (errors of order 1).
 */
class Bfloat16DpTest {
  private static final int B = 4;
  private static final double RELATIVE = 2e-2;
  /** Float32 runs agree to ~1e-7; a larger difference shows that bfloat16 was used. */
  private static final double ROUNDED = 1e-4;

  /** (a) The per-sample gradient norms, from one batch through the engine's backward. */
  @ParameterizedTest
  @EnumSource(value = Trainable.class, names = {"BIAS_ONLY", "FULL"})
  void perSampleNorms_bf16_withinBoundOfFloat32(Trainable trainable) {
    try (PointerScope scope = new PointerScope(); BertModel model = model()) {
      model.freeze((name, p) -> !trainable.which.test(p));
      Tensor fp32 = perSampleNorms(model, scope);
      model.setPrecision(Precision.BF16);
      Tensor bf16 = perSampleNorms(model, scope);
      assertThat(bf16.scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
      double largest = 0;
      for (int i = 0; i < B; i++) {
        double expected = fp32.get(i).item_double();
        assertThat(expected).isPositive();
        double relative = Math.abs(bf16.get(i).item_double() - expected) / expected;
        assertThat(relative).as("sample %d", i).isLessThan(RELATIVE);
        largest = Math.max(largest, relative);
      }
      assertThat(largest).as("bfloat16 was used").isGreaterThan(ROUNDED);
    }
  }

  /**
   * (b) One DP step's update at σ = 0: the clipped, summed and averaged gradient (an SGD step's
   * update over the learning rate), at a C that clips two samples of the four.
   */
  @ParameterizedTest
  @EnumSource(value = Trainable.class, names = {"BIAS_ONLY", "FULL"})
  void privateGradient_bf16_withinBoundOfFloat32(Trainable trainable) {
    try (PointerScope scope = new PointerScope(); BertModel model = model()) {
      model.freeze((name, p) -> !trainable.which.test(p));
      float[] norms = values(perSampleNorms(model, scope));
      Arrays.sort(norms);
      double c = (norms[1] + norms[2]) / 2;
      List<Tensor> fp32 = privateGradients(model, c);
      model.setPrecision(Precision.BF16);
      List<Tensor> bf16 = privateGradients(model, c);
      double scale = fp32.stream().mapToDouble(g -> g.abs().max().item_double()).max()
          .orElseThrow();
      for (int k = 0; k < fp32.size(); k++) {
        assertThat(bf16.get(k).scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
        double diff = bf16.get(k).sub(fp32.get(k)).abs().max().item_double();
        assertThat(diff / scale).as("parameter %d", k).isLessThan(RELATIVE);
      }
    }
  }

  /**
   * (d) Under bfloat16 the trainable parameters, their private gradients, the optimizer's state
   * after a step, and autograd's gradients of a non-private step all stay float32.
   */
  @ParameterizedTest
  @EnumSource(value = Trainable.class, names = {"BIAS_ONLY", "FULL"})
  void bf16_parametersGradientsAndOptimizerState_stayFloat32(Trainable trainable) {
    try (PointerScope scope = new PointerScope(); BertModel model = model()) {
      model.freeze((name, p) -> !trainable.which.test(p));
      model.setPrecision(Precision.BF16);
      List<Tensor> gradients = privateGradients(model, 0.5);
      List<Tensor> parameters = model.parameters().values().stream()
          .filter(Parameter::isTrainable).map(Parameter::tensor).collect(Collectors.toList());
      try (Optimizer adam = Optimizer.create(OptimizerConfig.Adam.defaults(), parameters)) {
        adam.step(gradients, 1e-3);
        assertThat(adam.state()).isNotEmpty();
        adam.state().values().forEach(Bfloat16DpTest::assertFloat32);
      }
      gradients.forEach(Bfloat16DpTest::assertFloat32);
      model.parameters().values().forEach(p -> assertFloat32(p.tensor()));
      Batch batch = new Batch();
      crossEntropySum(model.classify(batch.all()), batch.labels).backward();
      parameters.forEach(p -> assertFloat32(p.grad()));
    }
  }

  /**
   * A trainable Linear under bf16, on the oneDNN path (4 × 64 rows, more than its 40 outputs) and
   * on autograd's (4 × 6 rows: a head wider than its input): the engine's per-sample squared norms
   * and clipped sum are those of G_i = Σ_t u_{i,t} a_{i,t}ᵀ, formed here in float32 from the input
   * a and the output gradient u of L = Σ z ∘ u, to float32 rounding. The bfloat16 product, which
   * would be off by ~1e-3, reaches neither, so each sample's clipped contribution is bounded by C
   * as in float32.
   */
  @ParameterizedTest
  @ValueSource(ints = {64, 6})
  void trainableLinear_bf16_perSampleGradientsFromFloat32InputAndOutputGradient(int positions) {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear(16, 40, true)) {
      linear.setPrecision(Precision.BF16);
      Tensor a = torch.randn(B, positions, 16);
      Tensor u = torch.randn(B, positions, 40);
      NormRules rules = NormRules.standard();
      Function<DpLayer, PerSampleNormRule<DpLayer>> ruleFor =
          layer -> rules.forLayer(layer).orElseThrow();
      List<List<PerSampleGradient>> gradients;
      try (Tape tape = PerSampleBackward.startTape(ruleFor)) {
        gradients = PerSampleBackward.run(tape, linear.forward(a).mul(u).sum(), ruleFor, scope);
      }
      PerSampleGradient weight = gradients.get(0).stream()
          .filter(g -> g.parameter() == linear.weight()).findFirst().orElseThrow();
      Tensor expected = u.transpose(1, 2).bmm(a); // (B, 40, 16)
      Tensor expectedNorms = expected.square().sum(new long[] {1, 2}, false,
          new ScalarTypeOptional());
      try (Grams grams = new Grams()) {
        assertThat(relativeDiff(weight.squaredNorms(grams), expectedNorms)).as("squared norms")
            .isLessThan(1e-5);
      }
      Tensor c = torch.rand(B);
      Tensor expectedSum = expected.mul(c.reshape(-1, 1, 1)).sum(new long[] {0}, false,
          new ScalarTypeOptional());
      assertThat(relativeDiff(weight.clippedSum(c), expectedSum)).as("clipped sum")
          .isLessThan(1e-5);
    }
  }

  /**
   * The tiny BERT with its weight matrices drawn from N(0, 1/d_in), as a trained model's are of
   * about that size (the tiny model's N(0, 0.02²) at d = 8 would leave each product a few percent
   * of the biases, and bfloat16's rounding of it invisible).
   */
  private static BertModel model() {
    BertModel model = tinyBert();
    torch.manual_seed(17);
    model.parameters().values().forEach(p -> {
      long[] shape = p.shape();
      if (p.kind() == ParameterKind.WEIGHT && shape.length == 2) {
        p.tensor().detach().copy_(torch.randn(shape).mul(new Scalar(1 / Math.sqrt(shape[1]))));
      }
    });
    return model;
  }

  private static void assertFloat32(Tensor t) {
    assertThat(t.defined()).isTrue();
    assertThat(t.scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
  }

  /** ‖g_i‖ over every trainable parameter, as the engine's backward forms them. */
  private static Tensor perSampleNorms(BertModel model, PointerScope keep) {
    NormRules rules = NormRules.standard();
    Function<DpLayer, PerSampleNormRule<DpLayer>> ruleFor =
        layer -> rules.forLayer(layer).orElseThrow();
    Batch batch = new Batch();
    Tensor loss;
    List<List<PerSampleGradient>> gradients;
    try (Tape tape = PerSampleBackward.startTape(ruleFor)) {
      loss = crossEntropySum(model.classify(batch.all()), batch.labels);
      gradients = PerSampleBackward.run(tape, loss, ruleFor, keep);
    }
    Tensor squares = torch.zeros(B);
    try (Grams grams = new Grams()) {
      for (List<PerSampleGradient> ofCall : gradients) {
        for (PerSampleGradient g : ofCall) {
          squares = squares.add(g.squaredNorms(grams));
        }
      }
    }
    return squares.sqrt();
  }

  /** The private gradients of one batch at σ = 0 and all-layer Abadi clipping at C, in order. */
  private static List<Tensor> privateGradients(BertModel model, double c) {
    Batch batch = new Batch();
    try (DpSgdEngine engine =
        new DpSgdEngine(model, DpSgdConfig.abadi(0, c), NormRules.standard())) {
      try (Tape tape = engine.startTape()) {
        engine.accumulate(tape, crossEntropySum(model.classify(batch.all()), batch.labels));
      }
      return engine.privateGradients(B, null);
    }
  }
}
