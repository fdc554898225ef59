package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.models.Gpt2Config;
import io.dpft.core.models.Gpt2Model;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.KeyValueCache;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import io.dpft.core.nn.WeightLayout;
import io.dpft.core.peft.FineTuningMethod;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.EdgeVector;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A ladder side network on a tiny BERT and a tiny GPT-2, against independent computations: the DP engine's clipped
 * sums (σ = 0) against one autograd backward per example, clipped and summed; a non-private step
 * against autograd through a backbone whose activations are kept.
 */
class SideNetworkGradientsTest {
  private static final int LABELS = 3;
  private static final int B = 4;
  private static final long[][] IDS = {
    {2, 5, 7, 5, 3, 0}, {2, 9, 9, 9, 11, 3}, {2, 4, 3, 0, 0, 0}, {2, 17, 22, 8, 5, 3}
  };
  private static final long[][] MASK = {
    {1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1}
  };
  private static final long[] GOLD = {0, 2, 1, 2};

  @ParameterizedTest
  @EnumSource(Pooling.class)
  void dpSigmaZero_clippedSumsMatchPerExampleReference(Pooling pooling) {
    for (double c : new double[] {1e-3, 0.5}) {
      try (PointerScope scope = new PointerScope(); BertModel model = sideBert(pooling)) {
        checkDp(model, c, () -> lossSum(model, TokenBatch.of(IDS, MASK), GOLD),
            i -> lossSum(model, row(i), new long[] {GOLD[i]}));
      }
    }
  }

  /**
   * The engine's clipped sum at σ = 0 and all-layer threshold {@code c} against one autograd
   * backward per example, clipped and summed; every trained parameter (the side network's and the
   * head's only) must get a non-zero gradient, so that none is compared vacuously.
   */
  private static void checkDp(
      Module model, double c, Supplier<Tensor> batchLoss, IntFunction<Tensor> exampleLoss) {
    DpSgdConfig config = new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(c));
    try (DpSgdEngine engine = new DpSgdEngine(model, config, NormRules.standard())) {
      try (Tape tape = engine.startTape()) {
        engine.accumulate(tape, batchLoss.get());
      }
      List<Tensor> actual = engine.privateGradients(1.0, null);
      Tensor[] params = engine.parameters().stream().map(Parameter::tensor).toArray(Tensor[]::new);
      assertThat(names(model, engine.parameters()))
          .allMatch(n -> n.startsWith("side.") || n.startsWith("classifier"))
          .contains("side.gate.0.alpha", "side.up.weight");
      Tensor[] expected = new Tensor[params.length];
      for (int k = 0; k < params.length; k++) {
        expected[k] = torch.zeros_like(params[k]);
      }
      for (int i = 0; i < B; i++) {
        Tensor[] g = grad(exampleLoss.apply(i), params);
        double squared = 0;
        for (Tensor gk : g) {
          squared += gk.square().sum().item_double();
        }
        double factor = config.clipping().clipFactor(Math.sqrt(squared), c);
        for (int k = 0; k < params.length; k++) {
          expected[k] = expected[k].add(g[k].mul(new Scalar(factor)));
        }
      }
      for (int k = 0; k < params.length; k++) {
        assertThat(expected[k].abs().max().item_double()).isGreaterThan(0);
        assertThat(relativeDiff(actual.get(k), expected[k])).isLessThan(1e-5);
      }
    }
  }

  /**
   * GPT-2-shaped (pre-norm blocks, combined QKV, Conv1D layout, tied LM head left frozen): the side
   * network's output enters the space the tied head reads; loss Σ next-token cross-entropy.
   */
  @Test
  void gpt2DpSigmaZero_clippedSumsMatchPerExampleReference() {
    long[][] ids = {{1, 2, 3, 2, 5}, {6, 7, 7, 7, 10}, {11, 3, 11, 2, 1}, {29, 28, 4, 4, 0}};
    long[][] mask = {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 0}};
    for (double c : new double[] {1e-3, 0.5}) {
      try (PointerScope scope = new PointerScope(); Gpt2Model model = sideGpt2()) {
        checkDp(model, c, () -> nextTokenLoss(model, TokenBatch.of(ids, mask)),
            i -> nextTokenLoss(model,
                TokenBatch.of(new long[][] {ids[i]}, new long[][] {mask[i]})));
      }
    }
  }

  /** Incremental decoding through the cache (the side blocks' keys and values included). */
  @Test
  void gpt2WithSide_kvCacheInChunks_equalsFullForward() {
    try (PointerScope scope = new PointerScope(); Gpt2Model model = sideGpt2();
        NoGradGuard noGrad = new NoGradGuard(); KeyValueCache cache = model.newCache()) {
      TokenBatch batch = TokenBatch.of(new long[][] {{0, 5, 9, 2, 17, 3, 8}},
          new long[][] {{0, 1, 1, 1, 1, 1, 1}});
      Tensor full = model.forward(batch).narrow(1, 1, 6);
      Tensor first = model.forward(batch.inputIds().narrow(1, 0, 4),
          batch.attentionMask().narrow(1, 0, 4), cache);
      Tensor rest = model.forward(batch.inputIds().narrow(1, 4, 3), batch.attentionMask(), cache);
      Tensor incremental = torch.cat(new TensorVector(first.narrow(1, 1, 3), rest), 1);
      assertThat(relativeDiff(incremental, full)).isLessThan(1e-5);
    }
  }

  /**
   * A non-private step with the backbone run without autograd gives the side network and head
   * exactly autograd's gradients through a backbone whose activations are kept (its parameters
   * trainable, so autograd records it, but only the side network's and head's gradients asked).
   */
  @ParameterizedTest
  @EnumSource(Pooling.class)
  void nonPrivateStep_equalsAutogradWithTheBackboneKept(Pooling pooling) {
    try (PointerScope scope = new PointerScope(); BertModel model = sideBert(pooling)) {
      checkNonPrivate(model, () -> lossSum(model, TokenBatch.of(IDS, MASK), GOLD));
    }
  }

  @Test
  void gpt2NonPrivateStep_equalsAutogradWithTheBackboneKept() {
    TokenBatch batch = TokenBatch.of(new long[][] {{1, 2, 3, 2, 5}, {6, 7, 7, 7, 10}},
        new long[][] {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}});
    try (PointerScope scope = new PointerScope(); Gpt2Model model = sideGpt2()) {
      checkNonPrivate(model, () -> nextTokenLoss(model, batch));
    }
  }

  /**
   * A non-private step with the backbone run without autograd gives the side network and head
   * exactly autograd's gradients through a backbone whose activations are kept (its parameters
   * trainable, so autograd records it, but only the side network's and head's gradients asked).
   */
  private static void checkNonPrivate(Module model, Supplier<Tensor> loss) {
    List<Parameter> trained = model.parameters().values().stream()
        .filter(Parameter::isTrainable).toList();
    List<Tensor> step;
    try (StepGradients.NonPrivate gradients = new StepGradients.NonPrivate(trained)) {
      gradients.accumulate(loss);
      step = gradients.gradients(B, null);
    }
    model.unfreeze((name, p) -> true);
    Tensor kept = loss.get();
    Tensor[] expected = grad(kept, trained.stream().map(Parameter::tensor).toArray(Tensor[]::new));
    for (int k = 0; k < expected.length; k++) {
      assertThat(expected[k].abs().max().item_double()).isGreaterThan(0);
      assertThat(relativeDiff(step.get(k), expected[k].div(new Scalar(B)))).isLessThan(1e-6);
    }
  }

  /** A frozen backbone part runs without autograd even when its weights require gradients. */
  @Test
  void frozenBackbone_keepsNothingForBackward() {
    TransformerBlock.Config config = new TransformerBlock.Config(8, 2, 16, Activation.GELU, 0, 0,
        1e-12, NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN);
    try (PointerScope scope = new PointerScope();
        TransformerBlock block = new TransformerBlock(config, new TransformerBlock.Names(
            "attention", "attention_output", "attention_norm", "mlp_in", "mlp_out", "mlp_norm"))) {
      Tensor x = torch.randn(2, 5, 8);
      Tensor frozen = LadderSideNetwork.backbone(true, () -> block.forward(x, null));
      assertThat(frozen.requires_grad()).isFalse();
      assertThat(frozen.is_leaf()).isTrue(); // no grad_fn: no graph, nothing saved for backward
      Tensor recorded = LadderSideNetwork.backbone(false, () -> block.forward(x, null));
      assertThat(recorded.requires_grad()).isTrue();
      assertThat(frozen.allclose(recorded)).isTrue();
    }
    try (BertModel model = sideBert(Pooling.CLS)) {
      List<Module> backbone = model.namedModules().entrySet().stream()
          .filter(e -> e.getKey().equals("embeddings") || e.getKey().matches("encoder\\.layer\\.\\d"))
          .map(java.util.Map.Entry::getValue).map(Module.class::cast).toList();
      assertThat(backbone).hasSize(3);
      model.train(true);
      assertThat(LadderSideNetwork.fixedBackbone(backbone)).isTrue();
      // a fixed feature extractor runs without dropout; the side network still trains with it
      assertThat(backbone).noneMatch(Module::isTraining);
      assertThat(model.namedModules().get(LadderSideNetwork.NAME).isTraining()).isTrue();
    }
  }

  /**
   * Backward never enters the frozen encoder: the autograd graph of the loss holds the side
   * network's LayerNorms only (two per side block) and no embedding lookup, while with the encoder
   * trainable it holds the encoder's LayerNorms and embeddings too.
   */
  @Test
  void frozenBackbone_isNotInTheAutogradGraph() {
    try (PointerScope scope = new PointerScope(); BertModel model = sideBert(Pooling.MEAN)) {
      Map<String, Integer> frozen = graphNodes(lossSum(model, TokenBatch.of(IDS, MASK), GOLD));
      assertThat(frozen).doesNotContainKey("EmbeddingBackward0")
          .containsEntry("NativeLayerNormBackward0", 2 * 2);
      model.unfreeze((name, p) -> true);
      Map<String, Integer> kept = graphNodes(lossSum(model, TokenBatch.of(IDS, MASK), GOLD));
      assertThat(kept).containsKey("EmbeddingBackward0")
          .containsEntry("NativeLayerNormBackward0", 2 * 2 + 1 + 2 * 2);
    }
  }

  /** How many nodes of each kind the autograd graph behind {@code t} has. */
  private static Map<String, Integer> graphNodes(Tensor t) {
    Map<String, Integer> counts = new TreeMap<>();
    Set<Long> seen = new HashSet<>();
    Deque<Node> todo = new ArrayDeque<>(List.of(t.grad_fn()));
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      if (!seen.add(node.address())) {
        continue;
      }
      counts.merge(node.name().getString(), 1, Integer::sum);
      EdgeVector edges = node.next_edges();
      for (long k = 0; k < edges.size(); k++) {
        Node next = edges.get(k).function();
        if (next != null && !next.isNull()) {
          todo.push(next);
        }
      }
    }
    return counts;
  }

  /**
   * TinyBert with a side network of width 4 (reduction 2) trained alone with the head; every side
   * parameter drawn at random, so that each gets a gradient (the up-projection starts at zero).
   */
  static BertModel sideBert(Pooling pooling) {
    return withRandomSide(TinyBert.classifier(LABELS, pooling), BertModel.HEAD);
  }

  /** A 2-layer, 8-wide GPT-2 (vocab 30) with a side network of width 4, in eval mode. */
  private static Gpt2Model sideGpt2() {
    torch.manual_seed(4);
    Gpt2Model model = new Gpt2Model(
        new Gpt2Config(30, 16, 8, 2, 2, 32, Activation.GELU_TANH, 0, 0, 0, 1e-5, 0, 0));
    model.eval();
    return withRandomSide(model, "lm_head");
  }

  private static <M extends Module> M withRandomSide(M model, String head) {
    FineTuningMethod method = new FineTuningMethod.SideNetwork(2);
    method.extend(model);
    method.apply(model, head);
    torch.manual_seed(5);
    model.parameters().forEach((name, p) -> {
      if (name.startsWith("side.")) {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.5)));
      }
    });
    return model;
  }

  /** Σ over sequences and real positions t &lt; T−1 of −log p(id_{t+1} | id_≤t). */
  private static Tensor nextTokenLoss(Gpt2Model model, TokenBatch batch) {
    Tensor logits = model.logits(model.forward(batch)); // (B, T, V)
    long t = logits.size(1);
    Tensor predicted = logits.narrow(1, 0, t - 1).reshape(-1, logits.size(2));
    Tensor next = batch.inputIds().narrow(1, 1, t - 1)
        .masked_fill(batch.attentionMask().narrow(1, 1, t - 1).eq(new Scalar(0)), new Scalar(-100))
        .reshape(-1);
    Tensor logp = torch.log_softmax(predicted, 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, next, new TensorOptional(), 2, -100);
  }

  private static TokenBatch row(int i) {
    return TokenBatch.of(new long[][] {IDS[i]}, new long[][] {MASK[i]});
  }

  private static Tensor lossSum(BertModel model, TokenBatch batch, long[] gold) {
    Tensor logp = torch.log_softmax(model.classify(batch), 1, new ScalarTypeOptional());
    return torch.nll_loss(logp, torch.tensor(gold), new TensorOptional(), 2, -100);
  }

  private static Tensor[] grad(Tensor loss, Tensor... xs) {
    return torch.grad(new TensorVector(loss), new TensorVector(xs), new TensorVector(),
        new BoolOptional(false), false, false).get();
  }

  private static double relativeDiff(Tensor actual, Tensor expected) {
    double scale = Math.max(1e-3, expected.abs().max().item_double());
    return actual.sub(expected).abs().max().item_double() / scale;
  }

  private static List<String> names(Module model, List<Parameter> params) {
    return model.parameters().entrySet().stream()
        .filter(e -> params.contains(e.getValue())).map(java.util.Map.Entry::getKey).toList();
  }
}
