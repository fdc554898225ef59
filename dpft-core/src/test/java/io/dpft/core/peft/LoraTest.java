package io.dpft.core.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.Gpt2Config;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.models.VitConfig;
import io.dpft.core.models.VitModel;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.WeightLayout;
import io.dpft.core.tasks.ClippingGranularity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DP-LoRA against independent computations: the engine's clipped sums (σ = 0) on a tiny BERT,
 * GPT-2 and ViT against one autograd backward per example, clipped and summed here; LoRA's plain gradients against the
 * chain rule through the merged weight W + (α/r)·BA of a model without LoRA.
 */
class LoraTest {
  private static final int B = 4;
  private static final int LABELS = 3;
  private static final double TOLERANCE = 1e-5;
  private static final long[][] IDS = {
    {2, 5, 7, 5, 3, 0}, {2, 9, 9, 9, 11, 3}, {2, 4, 3, 0, 0, 0}, {2, 17, 22, 8, 5, 3}
  };
  private static final long[][] MASK = {
    {1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1}
  };
  private static final LoraConfig CONFIG = new LoraConfig(4, 8, 0, LoraConfig.DEFAULT_TARGETS);

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void bertLora_clippedSumsMatchPerExampleReference(boolean biases) {
    for (Clip clip : CLIPS) {
      try (PointerScope scope = new PointerScope();
          BertModel model = TinyBert.classifier(LABELS, BertModel.Pooling.CLS)) {
        FineTuningMethod method = new FineTuningMethod.Lora(CONFIG, biases);
        method.extend(model);
        ClippingStyle style = clip.style(model, method, BertModel.HEAD);
        randomizeB(model);
        Tensor labels = torch.tensor(new long[] {0, 2, 1, 2});
        checkAgainstReference(model, style,
            i -> crossEntropySum(model.classify(row(i)), labels.narrow(0, i, 1)),
            () -> crossEntropySum(model.classify(TokenBatch.of(IDS, MASK)), labels));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void gpt2Lora_clippedSumsMatchPerExampleReference(boolean biases) {
    Gpt2Config config =
        new Gpt2Config(30, 16, 8, 1, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0);
    long[][] ids = {{1, 2, 3, 2, 5}, {6, 7, 7, 7, 10}, {11, 3, 11, 2, 1}, {29, 28, 4, 4, 0}};
    long[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}};
    for (Clip clip : CLIPS) {
      try (PointerScope scope = new PointerScope(); Gpt2Model model = new Gpt2Model(config)) {
        FineTuningMethod method = new FineTuningMethod.Lora(CONFIG, biases);
        method.extend(model);
        ClippingStyle style = clip.style(model, method, "lm_head");
        assertThat(model.parameters()).containsKey("transformer.h.0.attn.c_attn.lora_A.weight");
        randomizeB(model);
        checkAgainstReference(model, style,
            i -> nextTokenCrossEntropy(
                model, TokenBatch.of(new long[][] {ids[i]}, new long[][] {mask[i]})),
            () -> nextTokenCrossEntropy(model, TokenBatch.of(ids, mask)));
      }
    }
  }

  /** ViT: the default targets are each layer's query and value. */
  @Test
  void vitLora_clippedSumsMatchPerExampleReference() {
    VitConfig config =
        new VitConfig(8, 1, 2, 12, Activation.GELU, 0, 0, 1e-12, 8, 4, 3, List.of("a", "b", "c"));
    for (Clip clip : CLIPS) {
      try (PointerScope scope = new PointerScope(); VitModel model = new VitModel(config, LABELS)) {
        model.eval();
        FineTuningMethod method = new FineTuningMethod.Lora(CONFIG, false);
        method.extend(model);
        assertThat(CONFIG.targetsIn(model)).containsOnlyKeys(
            "vit.encoder.layer.0.attention.attention.query",
            "vit.encoder.layer.0.attention.attention.value");
        ClippingStyle style = clip.style(model, method, "classifier");
        randomizeB(model);
        torch.manual_seed(17);
        Tensor images = torch.randn(B, 3, 8, 8);
        Tensor labels = torch.randint(LABELS, new long[] {B});
        checkAgainstReference(model, style,
            i -> crossEntropySum(model.classify(images.narrow(0, i, 1)), labels.narrow(0, i, 1)),
            () -> crossEntropySum(model.classify(images), labels));
      }
    }
  }

  /**
   * Without DP, autograd's gradients of A and B equal the chain rule through the merged weight:
   * with G = ∂L/∂W' at W' = W + sBA (s = α/r) in a model without LoRA, ∂L/∂B = s·G·Aᵀ and
   * ∂L/∂A = s·Bᵀ·G; and the two models' logits agree.
   */
  @Test
  void withoutDp_gradientsAreTheChainRuleThroughTheMergedWeight() {
    try (PointerScope scope = new PointerScope();
        BertModel lora = TinyBert.classifier(LABELS, BertModel.Pooling.CLS);
        BertModel merged = TinyBert.classifier(LABELS, BertModel.Pooling.CLS)) {
      FineTuningMethod method = new FineTuningMethod.Lora(CONFIG, false);
      method.extend(lora);
      method.apply(lora, BertModel.HEAD);
      randomizeB(lora);
      merged.freeze((name, p) -> true);
      double s = CONFIG.alpha() / CONFIG.rank();
      Map<String, Linear> targets = CONFIG.targetsIn(merged);
      assertThat(targets).hasSize(4); // query and value of two layers
      Map<String, Parameter> loraParams = lora.parameters();
      try (NoGradGuard noGrad = new NoGradGuard()) {
        targets.forEach((path, linear) -> linear.weight().tensor().add_(
            loraParams.get(path + ".lora_B.weight").tensor()
                .matmul(loraParams.get(path + ".lora_A.weight").tensor()),
            new Scalar(s)));
      }
      targets.values().forEach(l -> l.weight().setTrainable(true));
      Tensor labels = torch.tensor(new long[] {0, 2, 1, 2});
      Tensor loraLogits = lora.classify(TokenBatch.of(IDS, MASK));
      Tensor mergedLogits = merged.classify(TokenBatch.of(IDS, MASK));
      assertThat(maxRelativeDiff(loraLogits, mergedLogits)).isLessThan(TOLERANCE);

      List<String> paths = new ArrayList<>(targets.keySet());
      Tensor[] loraGrads = grad(crossEntropySum(loraLogits, labels), paths.stream()
          .flatMap(p -> java.util.stream.Stream.of(p + ".lora_A.weight", p + ".lora_B.weight"))
          .map(n -> loraParams.get(n).tensor()).toArray(Tensor[]::new));
      Tensor[] mergedGrads = grad(crossEntropySum(mergedLogits, labels), paths.stream()
          .map(p -> targets.get(p).weight().tensor()).toArray(Tensor[]::new));
      for (int k = 0; k < paths.size(); k++) {
        Tensor a = loraParams.get(paths.get(k) + ".lora_A.weight").tensor().detach();
        Tensor b = loraParams.get(paths.get(k) + ".lora_B.weight").tensor().detach();
        Tensor g = mergedGrads[k];
        Tensor expectedA = b.t().matmul(g).mul(new Scalar(s));
        Tensor expectedB = g.matmul(a.t()).mul(new Scalar(s));
        assertThat(maxRelativeDiff(loraGrads[2 * k], expectedA)).as(paths.get(k) + " A")
            .isLessThan(TOLERANCE);
        assertThat(maxRelativeDiff(loraGrads[2 * k + 1], expectedB)).as(paths.get(k) + " B")
            .isLessThan(TOLERANCE);
      }
    }
  }

  /** Merging adds sBA to W in W's layout: the plain layer computes what the LoRA layer did. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void merge_keepsTheLayersOutput_andRemovesTheLoraModules(boolean inOut) {
    try (PointerScope scope = new PointerScope();
        Linear linear = new Linear(6, 5, true, inOut ? WeightLayout.IN_OUT : WeightLayout.OUT_IN)) {
      linear.addLowRankUpdate(3, 6, 0);
      randomizeB(linear);
      linear.eval();
      Tensor x = torch.randn(2, 4, 6);
      Tensor before = linear.forward(x).detach();
      linear.mergeLowRankUpdate();
      assertThat(linear.hasLowRankUpdate()).isFalse();
      assertThat(linear.parameters()).containsOnlyKeys("weight", "bias");
      assertThat(maxRelativeDiff(linear.forward(x), before)).isLessThan(TOLERANCE);
    }
  }

  @Test
  void aFreshUpdate_changesNothing_andAIsDrawnWithinPeftsBound() {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear(16, 5, false)) {
      Tensor x = torch.randn(3, 16);
      Tensor before = linear.forward(x).detach();
      linear.addLowRankUpdate(8, 16, 0);
      assertThat(linear.forward(x).sub(before).abs().max().item_double()).isEqualTo(0);
      Tensor a = linear.parameters().get("lora_A.weight").tensor();
      assertThat(a.abs().max().item_double()).isLessThanOrEqualTo(1 / Math.sqrt(16));
      assertThat(linear.parameters().get("lora_B.weight").tensor().abs().max().item_double())
          .isEqualTo(0);
    }
  }

  /**
   * bitfit+lora clipped group-wise: head, LoRA matrices and biases, each at C/√3; a two-phase
   * probe-then-BiTFiT run: head and biases.
   */
  @Test
  void groupWise_bitfitLora_clipsHeadLoraAndBiasesApart() {
    try (BertModel model = TinyBert.classifier(LABELS, BertModel.Pooling.CLS)) {
      FineTuningMethod method = new FineTuningMethod.Lora(CONFIG, true);
      method.extend(model);
      ClippingStyle.GroupWise style = (ClippingStyle.GroupWise)
          ClippingGranularity.GROUP_WISE.style(0.9, model, method, BertModel.HEAD);
      assertThat(style.groups()).extracting(ClippingStyle.ParameterGroup::name)
          .containsExactly("head", "lora", "bias");
      assertThat(style.groups()).allSatisfy(
          g -> assertThat(g.maxGradNorm()).isCloseTo(0.9 / Math.sqrt(3), within(1e-12)));
      assertThat(style.groupOf("classifier.bias")).isEqualTo(0);
      assertThat(style.groupOf("encoder.layer.1.attention.self.value.lora_B.weight")).isEqualTo(1);
      assertThat(style.groupOf("encoder.layer.0.output.LayerNorm.bias")).isEqualTo(2);

      // two phases: the groups of both, the first phase's parameters left trainable
      FineTuningMethod twoPhase = FineTuningMethod.of("two-phase", Map.of("first_phase", "last-layer"));
      ClippingStyle.GroupWise phases = (ClippingStyle.GroupWise)
          ClippingGranularity.GROUP_WISE.style(0.9, model, twoPhase, BertModel.HEAD);
      assertThat(phases.groups()).extracting(ClippingStyle.ParameterGroup::name)
          .containsExactly("head", "bias");
      assertThat(model.parameters()).allSatisfy((name, p) ->
          assertThat(p.isTrainable()).as(name).isEqualTo(name.startsWith(BertModel.HEAD)));
    }
  }

  @Test
  void targetsThatMatchNothing_nameTheFlagAndSomeLayers() {
    try (BertModel model = TinyBert.classifier(LABELS, BertModel.Pooling.CLS)) {
      FineTuningMethod method =
          new FineTuningMethod.Lora(new LoraConfig(4, 8, 0, "nowhere"), false);
      assertThatThrownBy(() -> method.extend(model))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--lora-targets 'nowhere' matches no linear layer")
          .hasMessageContaining("encoder.layer.0.attention.self.query");
    }
    assertThatThrownBy(() -> new LoraConfig(4, 8, 0, "(")).hasMessageContaining("--lora-targets");
    assertThatThrownBy(() -> new LoraConfig(0, 8, 0, "x")).hasMessageContaining("rank");
  }

  @Test
  void settings_roundTripThroughOf() {
    FineTuningMethod method =
        new FineTuningMethod.Lora(new LoraConfig(4, 32, 0.1, "query$"), true);
    assertThat(FineTuningMethod.of(method.cliName(), method.settings())).isEqualTo(method);
    assertThat(FineTuningMethod.of("lora", Map.of()))
        .isEqualTo(new FineTuningMethod.Lora(LoraConfig.DEFAULT, false));
    assertThat(FineTuningMethod.of("bitfit+lora"))
        .isEqualTo(new FineTuningMethod.Lora(LoraConfig.DEFAULT, true));
  }

  // ---------------------------------------------------------------------------------------------

  /** A clipping granularity at a total threshold C. */
  private record Clip(ClippingGranularity granularity, double c) {
    /** The style, with the method's trainable flags set; its sensitivity is C. */
    ClippingStyle style(Module model, FineTuningMethod method, String head) {
      ClippingStyle style = granularity.style(c, model, method, head);
      method.apply(model, head);
      assertThat(style.sensitivity()).isCloseTo(c, within(1e-12 * c));
      return style;
    }
  }

  /** All-layer at a C that clips every example and one that clips some; layer- and group-wise. */
  private static final List<Clip> CLIPS = List.of(
      new Clip(ClippingGranularity.ALL_LAYER, 1e-3), new Clip(ClippingGranularity.ALL_LAYER, 0.5),
      new Clip(ClippingGranularity.LAYER_WISE, 0.5), new Clip(ClippingGranularity.GROUP_WISE, 0.5));

  /**
   * LoRA's B starts at zero, which would leave A without gradient: a random B instead, large
   * enough that the update moves the logits well beyond the tolerance.
   */
  private static void randomizeB(Module model) {
    torch.manual_seed(11);
    try (NoGradGuard noGrad = new NoGradGuard()) {
      model.parameters().forEach((name, p) -> {
        if (name.endsWith("lora_B.weight")) {
          p.tensor().copy_(torch.randn(p.shape()).mul(new Scalar(2)));
        }
      });
    }
  }

  /**
   * The engine's clipped sum (σ = 0) against: each example's gradient by autograd on a batch of
   * one, its norm per clipping group (all-layer: one; layer-wise: the owning layer, threshold
   * C/√L; group-wise: the group the style names, at its threshold), Abadi's factor
   * min(1, threshold/norm), summed.
   */
  private static void checkAgainstReference(Module model, ClippingStyle style,
      IntFunction<Tensor> lossOfExample, Supplier<Tensor> batchLoss) {
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    model.parameters().forEach((n, p) -> {
      if (p.isTrainable()) {
        trainable.put(n, p);
      }
    });
    List<String> names = new ArrayList<>(trainable.keySet());
    assertThat(names).anyMatch(FineTuningMethod.Lora::isLowRank);
    try (DpSgdEngine engine = new DpSgdEngine(
        model, new DpSgdConfig(0, new Clipping.Abadi(), style), NormRules.standard())) {
      assertThat(engine.parameters()).containsExactlyElementsOf(trainable.values());
      try (Tape tape = engine.startTape()) {
        engine.accumulate(tape, batchLoss.get());
      }
      List<Tensor> actual = engine.privateGradients(1.0, null);

      Function<String, String> groupOf;
      Map<String, Double> thresholds = new LinkedHashMap<>();
      if (style instanceof ClippingStyle.LayerWise layerWise) {
        groupOf = LoraTest::layerOf;
        long layers = names.stream().map(groupOf).distinct().count();
        names.forEach(n -> thresholds.put(
            layerOf(n), layerWise.perLayerThreshold((int) layers)));
      } else if (style instanceof ClippingStyle.GroupWise groupWise) {
        groupOf = n -> groupWise.groups().get(groupWise.groupOf(n)).name();
        groupWise.groups().forEach(g -> thresholds.put(g.name(), g.maxGradNorm()));
        assertThat(names.stream().map(groupOf).distinct()).hasSize(groupWise.groups().size());
      } else {
        groupOf = n -> "all";
        thresholds.put("all", style.sensitivity());
      }
      List<Tensor> expected = new ArrayList<>();
      names.forEach(n -> expected.add(torch.zeros_like(trainable.get(n).tensor())));
      for (int i = 0; i < B; i++) {
        Tensor[] g = grad(lossOfExample.apply(i),
            names.stream().map(n -> trainable.get(n).tensor()).toArray(Tensor[]::new));
        Map<String, Double> squares = new LinkedHashMap<>();
        for (int k = 0; k < g.length; k++) {
          squares.merge(groupOf.apply(names.get(k)), g[k].square().sum().item_double(),
              Double::sum);
        }
        for (int k = 0; k < g.length; k++) {
          String group = groupOf.apply(names.get(k));
          double factor = Math.min(1, thresholds.get(group) / Math.sqrt(squares.get(group)));
          expected.set(k, expected.get(k).add(g[k].mul(new Scalar(factor))));
        }
      }
      for (int k = 0; k < names.size(); k++) {
        double scale = Math.max(1e-3, expected.get(k).abs().max().item_double());
        double diff = actual.get(k).sub(expected.get(k)).abs().max().item_double() / scale;
        assertThat(diff).as(names.get(k) + " under " + style).isLessThan(TOLERANCE);
      }
    }
  }

  private static String layerOf(String parameterName) {
    return parameterName.substring(0, parameterName.lastIndexOf('.'));
  }

  private static TokenBatch row(int i) {
    return TokenBatch.of(new long[][] {IDS[i]}, new long[][] {MASK[i]});
  }

  private static Tensor nextTokenCrossEntropy(Gpt2Model model, TokenBatch batch) {
    Tensor logits = model.logits(model.forward(batch));
    long t = logits.size(1);
    Tensor predicted = logits.narrow(1, 0, t - 1).reshape(-1, logits.size(2));
    Tensor next = batch.inputIds().narrow(1, 1, t - 1).reshape(-1);
    return crossEntropySum(predicted, next);
  }

  private static Tensor crossEntropySum(Tensor logits, Tensor labels) {
    Tensor logp = torch.log_softmax(logits, 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, labels, new TensorOptional(), 2, -100);
  }

  private static Tensor[] grad(Tensor loss, Tensor... xs) {
    return torch.grad(new TensorVector(loss), new TensorVector(xs), new TensorVector(),
        new BoolOptional(false), false, false).get();
  }

  /** The largest difference relative to the largest expected magnitude. */
  private static double maxRelativeDiff(Tensor actual, Tensor expected) {
    double scale = Math.max(1e-12, expected.abs().max().item_double());
    return actual.sub(expected).abs().max().item_double() / scale;
  }
}
