package io.dpft.core.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dpft.core.dp.norms.LinearCostModel;
import io.dpft.core.dp.norms.LinearNormRule;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.nn.PerExampleReference;
import io.dpft.core.models.BertConfig;
import io.dpft.core.models.BertConfig.ModelType;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.BertModel.Options;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.models.Gpt2Config;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.models.VitConfig;
import io.dpft.core.models.VitModel;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.Conv2d;
import io.dpft.core.nn.LayerNorm;
import io.dpft.core.nn.Linear;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.ParameterKind;
import io.dpft.core.nn.Tape;
import io.dpft.core.peft.FineTuningMethod;
import io.dpft.privacy.noise.SecureGaussian;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's clipped sums against the slow reference of docs/ARCHITECTURE.md: one forward/backward
 * per example (batch of one), clip in double precision, sum — for each set of trainable
 * parameters (full, bias-only, head-only), each clipping rule and style, on a tiny BERT (Linear,
 * Embedding, LayerNorm) and a patch-embedding model (Conv2d).
 */
class DpSgdEngineTest {
  private static final int B = 4;
  private static final int T = 6;
  private static final int LABELS = 3;
  private static final double TOLERANCE = 1e-5;

  /** Which parameters train, as the fine-tuning methods will choose them. */
  enum Trainable {
    FULL(p -> true),
    BIAS_ONLY(p -> p.kind() == ParameterKind.BIAS || p.kind() == ParameterKind.NORM_BIAS),
    WEIGHTS_ONLY(p -> p.kind() == ParameterKind.WEIGHT),
    HEAD_ONLY(null);

    final Predicate<Parameter> which;

    Trainable(Predicate<Parameter> which) {
      this.which = which;
    }
  }

  @ParameterizedTest
  @EnumSource(Trainable.class)
  void abadiAllLayer_clippedSumsMatchPerExampleReference(Trainable trainable) {
    // C below every sample's norm clips all of them; C above some leaves those unclipped
    for (double c : new double[] {1e-3, 0.5}) {
      checkBert(trainable, new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(c)));
    }
  }

  /** Full fine-tuning with every Linear weight forced onto each path, at both kinds of C. */
  @ParameterizedTest
  @EnumSource(LinearCostModel.class)
  void fullFineTuning_everyLinearCostModel_matchesPerExampleReference(LinearCostModel costs) {
    NormRules rules = NormRules.standard().register(new LinearNormRule(costs));
    for (double c : new double[] {1e-3, 0.5}) {
      checkBert(Trainable.FULL,
          new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(c)), rules);
    }
  }

  /**
   * A tape started without the engine keeps every output and gets its hooks after the forward
   * pass; the engine's own tape ({@link DpSgdEngine#startTape}, used everywhere else here) hooks
   * as it records and drops the outputs. Both give the reference's sums.
   */
  @ParameterizedTest
  @EnumSource(value = Trainable.class, names = {"FULL", "BIAS_ONLY"})
  void plainTape_clippedSumsMatchPerExampleReference(Trainable trainable) {
    checkBert(trainable, new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.5)),
        NormRules.standard(), engine -> Tape.start());
  }

  /** A trainable weight without a trainable bias: its instantiating hook still runs. */
  @Test
  void instantiatedWeightsWithoutTrainableBias_matchPerExampleReference() {
    NormRules rules =
        NormRules.standard().register(new LinearNormRule(LinearCostModel.INSTANTIATED));
    checkBert(Trainable.WEIGHTS_ONLY,
        new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.5)), rules);
  }

  /**
   * Every linear call whose input requires a gradient is reached by backward through its
   * per-example path, not its bias: with trainable weights and embeddings and frozen biases the
   * engine's tape keeps none of their outputs (each would be a (B, T, d_out) tensor held to the end
   * of backward). The clipped sums of such cases match the per-example reference
   * ({@link #abadiAllLayer_clippedSumsMatchPerExampleReference}).
   */
  @Test
  void linearCallsWithADifferentiableInput_areAnchoredByTheirPath_andKeepNoOutput() {
    try (PointerScope scope = new PointerScope(); BertModel model = tinyBert()) {
      model.freeze((name, p) ->
          p.kind() != ParameterKind.WEIGHT && p.kind() != ParameterKind.EMBEDDING);
      Batch batch = new Batch();
      try (DpSgdEngine engine = new DpSgdEngine(model,
              new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.5)),
              NormRules.standard());
          Tape tape = engine.startTape()) {
        crossEntropySum(model.classify(batch.all()), batch.labels);
        List<Tape.Entry> linears =
            tape.entries().stream().filter(e -> e.layer() instanceof Linear).toList();
        // the pooler's call has fewer rows (B) than outputs, so it stays on torch.linear
        assertThat(linears.stream().filter(e -> e.anchor() == null).count()).isEqualTo(1);
        for (Tape.Entry e : linears) {
          if (e.anchor() != null) { // the per-example path with the (frozen) bias: (B, 1, d_out)
            assertThat(e.anchorKind()).isEqualTo(Tape.AnchorKind.PATH_WITH_BIAS);
            assertThat(e.anchor().numel()).isEqualTo((long) B * ((Linear) e.layer()).outFeatures());
            assertThat(e.output()).isNull();
          } else {
            assertThat(e.anchorKind()).isEqualTo(Tape.AnchorKind.NONE);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Trainable.class)
  void automaticClipping_clippedSumsMatchPerExampleReference(Trainable trainable) {
    checkBert(
        trainable,
        new DpSgdConfig(0, new Clipping.Automatic(0.01), new ClippingStyle.AllLayer(0.7)));
  }

  @Test
  void layerWise_clipsEveryLayerToItsShare() {
    checkBert(
        Trainable.FULL, new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.LayerWise(0.1)));
  }

  @Test
  void groupWise_clipsEachGroupToItsThreshold() {
    ClippingStyle.GroupWise groups =
        new ClippingStyle.GroupWise(
            List.of(
                ClippingStyle.ParameterGroup.of("attention", "attention", 0.05),
                ClippingStyle.ParameterGroup.of("embeddings", "^embeddings", 0.02),
                ClippingStyle.ParameterGroup.of("rest", ".", 0.1)));
    checkBert(Trainable.FULL, new DpSgdConfig(0, new Clipping.Abadi(), groups));
  }

  @Test
  void conv2dPatchModel_clippedSumsMatchPerExampleReference() {
    try (PointerScope scope = new PointerScope();
        PatchClassifier model = new PatchClassifier(LABELS)) {
      checkImageClassifier(model, model::forward, 21);
    }
  }

  /** ViT full fine-tuning: patch Conv2d, added position embeddings and class token. */
  @Test
  void vitFullFineTuning_clippedSumsMatchPerExampleReference() {
    VitConfig config =
        new VitConfig(8, 1, 2, 12, Activation.GELU, 0, 0, 1e-12, 8, 4, 3, List.of("a", "b", "c"));
    try (PointerScope scope = new PointerScope();
        VitModel model = new VitModel(config, LABELS)) {
      model.eval();
      checkImageClassifier(model, model::classify, 17);
    }
  }

  /**
   * GPT-2 full fine-tuning: the LM head is tied to wte, so wte's per-sample gradient is the sum of
   * the embedding's and the head's (a cross term in its norm); repeated tokens exercise the
   * token-equality and gather Gram matrices. Loss: summed next-token cross-entropy per sequence.
   */
  @ParameterizedTest
  @EnumSource(LinearCostModel.class)
  void gpt2TiedEmbedding_clippedSumsMatchPerExampleReference(LinearCostModel costs) {
    Gpt2Config config =
        new Gpt2Config(30, 16, 8, 1, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0);
    long[][] ids = {{1, 2, 3, 2, 5}, {6, 7, 7, 7, 10}, {11, 3, 11, 2, 1}, {29, 28, 4, 4, 0}};
    long[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}};
    NormRules rules = NormRules.standard().register(new LinearNormRule(costs));
    for (boolean full : new boolean[] {true, false}) {
      try (PointerScope scope = new PointerScope();
          Gpt2Model model = new Gpt2Model(config)) {
        if (!full) { // the tied table alone: its norm is all cross term and own terms
          model.freeze((name, p) -> !name.equals("transformer.wte.weight"));
        }
        IntFunction<Tensor> nextTokenLoss =
            i -> {
              TokenBatch row = TokenBatch.of(new long[][] {ids[i]}, new long[][] {mask[i]});
              return nextTokenCrossEntropy(model, row);
            };
        check(
            model,
            new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.5)),
            nextTokenLoss,
            () -> nextTokenCrossEntropy(model, TokenBatch.of(ids, mask)),
            rules,
            DpSgdEngine::startTape);
      }
    }
  }

  /** Σ over sequences and positions t &lt; T−1 of −log p(id_{t+1} | id_≤t). */
  private static Tensor nextTokenCrossEntropy(Gpt2Model model, TokenBatch batch) {
    Tensor logits = model.logits(model.forward(batch)); // (B, T, V)
    long t = logits.size(1);
    Tensor predicted = logits.narrow(1, 0, t - 1).reshape(-1, logits.size(2));
    Tensor next = batch.inputIds().narrow(1, 1, t - 1).reshape(-1);
    return crossEntropySum(predicted, next);
  }

  /**
   * DP-Adapter on a BERT and a GPT-2: every adapter's down and up projection (up moved off its
   * zero start, so that down's gradients are not zero) and the head against the reference.
   */
  @Test
  void adapters_clippedSumsMatchPerExampleReference() {
    FineTuningMethod adapter = new FineTuningMethod.Adapter(3);
    checkBertWith(adapter);
    Gpt2Config config =
        new Gpt2Config(30, 16, 8, 2, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0);
    long[][] ids = {{1, 2, 3, 2, 5}, {6, 7, 7, 7, 10}, {11, 3, 11, 2, 1}, {29, 28, 4, 4, 0}};
    long[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}, {1, 1, 1, 1, 1}};
    try (PointerScope scope = new PointerScope();
        Gpt2Model model = new Gpt2Model(config)) {
      adapter.extend(model);
      adapter.apply(model, "no head");
      moveUpProjections(model);
      check(
          model,
          new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.5)),
          i -> nextTokenCrossEntropy(model,
              TokenBatch.of(new long[][] {ids[i]}, new long[][] {mask[i]})),
          () -> nextTokenCrossEntropy(model, TokenBatch.of(ids, mask)),
          NormRules.standard(),
          DpSgdEngine::startTape);
    }
  }

  /**
   * Reversible adapters on a BERT: the engine's clipped sum, from the per-sample gradients the
   * stack's backward forms, against batch-of-one backward passes (whose gradients
   * ReversibleStackTest checks against autograd with every activation kept).
   */
  @Test
  void reversibleAdapters_clippedSumsMatchPerExampleReference() {
    checkBertWith(new FineTuningMethod.Reversible(3, 0.1));
  }

  /** {@link #check} of the tiny BERT that {@code method} extends, its up-projections moved off zero. */
  private static void checkBertWith(FineTuningMethod method) {
    try (PointerScope scope = new PointerScope();
        BertModel model = tinyBert()) {
      method.extend(model);
      method.apply(model, BertModel.HEAD);
      moveUpProjections(model);
      Batch batch = new Batch();
      check(
          model,
          new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.1)),
          i -> crossEntropySum(model.classify(batch.row(i)), batch.labels.narrow(0, i, 1)),
          () -> crossEntropySum(model.classify(batch.all()), batch.labels),
          NormRules.standard(),
          DpSgdEngine::startTape);
    }
  }

  private static void moveUpProjections(Module model) {
    torch.manual_seed(9);
    model.parameters().forEach((name, p) -> {
      if (name.contains(".adapter.up.") || name.matches(".*reversible\\.\\d+\\.up\\..*")) {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.3)));
      }
    });
  }

  @Test
  void perSampleContributions_neverExceedTheThreshold() {
    try (PointerScope scope = new PointerScope();
        BertModel model = tinyBert()) {
      Batch batch = new Batch();
      double c = 0.3;
      for (int i = 0; i < B; i++) {
        int row = i;
        try (DpSgdEngine engine =
            new DpSgdEngine(model, DpSgdConfig.abadi(0, c), NormRules.standard())) {
          try (Tape tape = Tape.start()) {
            engine.accumulate(
                tape,
                crossEntropySum(model.classify(batch.row(row)), batch.labels.narrow(0, row, 1)));
          }
          double squared = 0;
          for (Tensor g : engine.privateGradients(1.0, null)) {
            squared += g.square().sum().item_double();
          }
          assertThat(Math.sqrt(squared)).isLessThanOrEqualTo(c * (1 + 1e-6));
        }
      }
    }
  }

  /**
   * With zero clipped sum, the private gradient is pure noise: its empirical std must match σC.
   * 40 logical batches of this model (13,080 coordinates) give the sample std a relative standard error of 1/√(2n) ≈ 0.6%; the bound
   * of Z = 5 standard errors fails by chance with probability below 1e-6.
   */
  @Test
  @Tag("statistical")
  void noise_hasStandardDeviationSigmaTimesC() {
    final double z = 5.0;
    try (PointerScope scope = new PointerScope();
        PatchClassifier model = new PatchClassifier(LABELS)) {
      double sigma = 1.3;
      double c = 0.7;
      try (DpSgdEngine engine =
          new DpSgdEngine(
              model, DpSgdConfig.abadi(sigma, c), NormRules.standard())) {
        List<Tensor> draws = new ArrayList<>();
        for (int batch = 0; batch < 40; batch++) { // 40 logical batches of pure noise
          engine.privateGradients(1.0, SecureGaussian.secure()).forEach(g -> draws.add(g.flatten()));
        }
        Tensor all = torch.cat(new TensorVector(draws.toArray(Tensor[]::new)));
        long n = all.numel();
        assertThat(n).isGreaterThan(10_000);
        double std = all.std().item_double();
        double se = sigma * c / Math.sqrt(2.0 * n);
        assertThat(std).isCloseTo(sigma * c, within(z * se));
        assertThat(all.mean().item_double()).isCloseTo(0, within(z * sigma * c / Math.sqrt(n)));
      }
    }
  }

  @Test
  void setup_listsEveryProblemAtOnce() {
    try (BertModel model = tinyBert()) {
      model.freeze((name, p) -> true);
      assertThatThrownBy(
              () ->
                  new DpSgdEngine(
                      model,
                      new DpSgdConfig(
                          0,
                          new Clipping.Abadi(),
                          new ClippingStyle.GroupWise(
                              List.of(ClippingStyle.ParameterGroup.of("x", "nothing", 1)))),
                      NormRules.standard()))
          .hasMessageContaining("no trainable parameter");
      model.unfreeze((name, p) -> name.startsWith("classifier") || name.contains("LayerNorm"));
      assertThatThrownBy(
              () ->
                  new DpSgdEngine(
                      model,
                      new DpSgdConfig(
                          0,
                          new Clipping.Abadi(),
                          new ClippingStyle.GroupWise(
                              List.of(ClippingStyle.ParameterGroup.of("head", "classifier", 1)))),
                      NormRules.standard()))
          .hasMessageContaining("embeddings.LayerNorm.weight matches no clipping group")
          .hasMessageContaining("encoder.layer.1.output.LayerNorm.bias matches no clipping group");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static void checkBert(Trainable trainable, DpSgdConfig config) {
    checkBert(trainable, config, NormRules.standard());
  }

  private static void checkBert(Trainable trainable, DpSgdConfig config, NormRules rules) {
    checkBert(trainable, config, rules, DpSgdEngine::startTape);
  }

  private static void checkBert(Trainable trainable, DpSgdConfig config, NormRules rules,
      Function<DpSgdEngine, Tape> tapes) {
    try (PointerScope scope = new PointerScope();
        BertModel model = tinyBert()) {
      if (trainable == Trainable.HEAD_ONLY) {
        model.freeze((name, p) -> !name.startsWith("classifier"));
      } else {
        model.freeze((name, p) -> !trainable.which.test(p));
      }
      Batch batch = new Batch();
      check(
          model,
          config,
          i -> crossEntropySum(model.classify(batch.row(i)), batch.labels.narrow(0, i, 1)),
          () -> crossEntropySum(model.classify(batch.all()), batch.labels),
          rules,
          tapes);
    }
  }

  /** {@link #check} on B random 3×8×8 images with random labels, all-layer Abadi at C = 0.05. */
  private static void checkImageClassifier(
      Module model, Function<Tensor, Tensor> logits, long seed) {
    torch.manual_seed(seed);
    Tensor images = torch.randn(B, 3, 8, 8);
    Tensor labels = torch.randint(LABELS, new long[] {B});
    check(
        model,
        new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(0.05)),
        i -> crossEntropySum(logits.apply(images.narrow(0, i, 1)), labels.narrow(0, i, 1)),
        () -> crossEntropySum(logits.apply(images), labels),
        NormRules.standard(),
        DpSgdEngine::startTape);
  }

  /** Runs the engine on the whole batch and compares with the per-example reference. */
  private static void check(
      Module model,
      DpSgdConfig config,
      IntFunction<Tensor> lossOfExample,
      java.util.function.Supplier<Tensor> batchLoss,
      NormRules rules,
      Function<DpSgdEngine, Tape> tapes) {
    try (DpSgdEngine engine = new DpSgdEngine(model, config, rules)) {
      Map<String, Parameter> names = new LinkedHashMap<>();
      model.parameters().forEach((n, p) -> {
        if (p.isTrainable()) {
          names.put(n, p);
        }
      });
      ClippingStats stats;
      try (Tape tape = tapes.apply(engine)) {
        stats = engine.accumulate(tape, batchLoss.get());
      }
      List<Tensor> actual = engine.privateGradients(1.0, null);

      List<String> order = new ArrayList<>(names.keySet());
      Function<String, String> groupOf = groupFunction(config.style(), order);
      Map<String, Double> thresholds = thresholds(config.style(), order, groupOf);
      List<Tensor> expected = new ArrayList<>();
      for (String n : order) {
        expected.add(torch.zeros_like(names.get(n).tensor()));
      }
      PerExampleReference reference = PerExampleReference.of(B, lossOfExample,
          order.stream().map(n -> names.get(n).tensor()).toArray(Tensor[]::new));
      double maxNorm = 0;
      for (int i = 0; i < B; i++) {
        Map<String, Double> groupSquares = new LinkedHashMap<>();
        for (int k = 0; k < order.size(); k++) {
          groupSquares.merge(groupOf.apply(order.get(k)), reference.squaredNorm(i, k), Double::sum);
        }
        maxNorm = Math.max(maxNorm, reference.norm(i));
        for (int k = 0; k < order.size(); k++) {
          String group = groupOf.apply(order.get(k));
          double factor =
              config.clipping().clipFactor(Math.sqrt(groupSquares.get(group)), thresholds.get(group));
          expected.set(k, expected.get(k).add(reference.gradient(i, k).mul(new Scalar(factor))));
        }
      }
      assertThat(stats.maxNorm()).isCloseTo(maxNorm, within(TOLERANCE * Math.max(1, maxNorm)));
      for (int k = 0; k < order.size(); k++) {
        double scale = Math.max(1e-3, expected.get(k).abs().max().item_double());
        double diff = actual.get(k).sub(expected.get(k)).abs().max().item_double() / scale;
        assertThat(diff).as(order.get(k)).isLessThan(TOLERANCE);
      }
    }
  }

  private static Function<String, String> groupFunction(ClippingStyle style, List<String> names) {
    if (style instanceof ClippingStyle.AllLayer) {
      return n -> "all";
    }
    if (style instanceof ClippingStyle.LayerWise) {
      return n -> n.substring(0, n.lastIndexOf('.')); // the owning layer
    }
    ClippingStyle.GroupWise groupWise = (ClippingStyle.GroupWise) style;
    return n -> groupWise.groups().get(groupWise.groupOf(n)).name();
  }

  private static Map<String, Double> thresholds(
      ClippingStyle style, List<String> names, Function<String, String> groupOf) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (style instanceof ClippingStyle.GroupWise) {
      ((ClippingStyle.GroupWise) style).groups().forEach(g -> out.put(g.name(), g.maxGradNorm()));
      return out;
    }
    long layers = names.stream().map(groupOf).distinct().count();
    double each =
        style instanceof ClippingStyle.LayerWise
            ? ((ClippingStyle.LayerWise) style).perLayerThreshold((int) layers)
            : style.sensitivity();
    names.forEach(n -> out.put(groupOf.apply(n), each));
    return out;
  }

  static Tensor crossEntropySum(Tensor logits, Tensor labels) {
    Tensor logp = torch.log_softmax(logits, 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, labels, new TensorOptional(), 2, -100);
  }

  static BertModel tinyBert() {
    return TinyBert.classifier(LABELS, Pooling.CLS);
  }

  /** Four sequences of length 6 with padding; a repeated token to exercise the embedding mask. */
  static final class Batch {
    final long[][] ids = {
      {2, 5, 7, 5, 3, 0}, {2, 9, 9, 9, 11, 3}, {2, 4, 3, 0, 0, 0}, {2, 17, 22, 8, 5, 3}
    };
    final long[][] mask = {
      {1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1}
    };
    final Tensor labels = torch.tensor(new long[] {0, 2, 1, 2});

    TokenBatch all() {
      return TokenBatch.of(ids, mask);
    }

    TokenBatch row(int i) {
      return TokenBatch.of(new long[][] {ids[i]}, new long[][] {mask[i]});
    }
  }
}
