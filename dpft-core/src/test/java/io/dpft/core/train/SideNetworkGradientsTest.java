package io.dpft.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.dpft.core.dp.Clipping;
import io.dpft.core.dp.ClippingStyle;
import io.dpft.core.dp.DpSgdConfig;
import io.dpft.core.dp.DpSgdEngine;
import io.dpft.core.dp.norms.NormRules;
import io.dpft.core.models.BertModel;
import io.dpft.core.models.BertModel.Pooling;
import io.dpft.core.models.TinyBert;
import io.dpft.core.models.TokenBatch;
import io.dpft.core.nn.Activation;
import io.dpft.core.nn.LadderSideNetwork;
import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.Module;
import io.dpft.core.nn.Parameter;
import io.dpft.core.nn.Tape;
import io.dpft.core.nn.TransformerBlock;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import io.dpft.core.nn.WeightLayout;
import io.dpft.core.peft.FineTuningMethod;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * A ladder side network on a tiny BERT, against independent computations: the DP engine's clipped
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
        DpSgdConfig config = new DpSgdConfig(0, new Clipping.Abadi(), new ClippingStyle.AllLayer(c));
        try (DpSgdEngine engine = new DpSgdEngine(model, config, NormRules.standard())) {
          try (Tape tape = engine.startTape()) {
            engine.accumulate(tape, lossSum(model, TokenBatch.of(IDS, MASK), GOLD));
          }
          List<Tensor> actual = engine.privateGradients(1.0, null);
          Tensor[] params = engine.parameters().stream().map(Parameter::tensor)
              .toArray(Tensor[]::new);
          assertThat(names(model, engine.parameters()))
              .allMatch(n -> n.startsWith("side.") || n.startsWith("classifier"))
              .contains("side.gate.0.alpha", "side.gate.1.alpha", "side.up.weight");
          Tensor[] expected = new Tensor[params.length];
          for (int k = 0; k < params.length; k++) {
            expected[k] = torch.zeros_like(params[k]);
          }
          for (int i = 0; i < B; i++) {
            Tensor[] g = grad(lossSum(model, row(i), new long[] {GOLD[i]}), params);
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
      List<Parameter> trained = model.parameters().values().stream()
          .filter(Parameter::isTrainable).toList();
      List<Tensor> step;
      try (StepGradients.NonPrivate gradients = new StepGradients.NonPrivate(trained)) {
        gradients.accumulate(() -> lossSum(model, TokenBatch.of(IDS, MASK), GOLD));
        step = gradients.gradients(B, null);
      }
      model.unfreeze((name, p) -> true);
      Tensor kept = lossSum(model, TokenBatch.of(IDS, MASK), GOLD);
      assertThat(kept.requires_grad()).isTrue();
      Tensor[] expected = grad(kept, trained.stream().map(Parameter::tensor).toArray(Tensor[]::new));
      for (int k = 0; k < expected.length; k++) {
        assertThat(relativeDiff(step.get(k), expected[k].div(new Scalar(B)))).isLessThan(1e-6);
      }
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
      assertThat(LadderSideNetwork.frozen(backbone)).isTrue();
    }
  }

  /**
   * TinyBert with a side network of width 4 (reduction 2) trained alone with the head; every side
   * parameter drawn at random, so that each gets a gradient (the up-projection starts at zero).
   */
  static BertModel sideBert(Pooling pooling) {
    BertModel model = TinyBert.classifier(LABELS, pooling);
    FineTuningMethod method = new FineTuningMethod.SideNetwork(2);
    method.extend(model);
    method.apply(model, BertModel.HEAD);
    torch.manual_seed(5);
    model.parameters().forEach((name, p) -> {
      if (name.startsWith("side.")) {
        p.tensor().detach().copy_(torch.randn(p.shape()).mul(new Scalar(0.5)));
      }
    });
    return model;
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

  private static List<String> names(BertModel model, List<Parameter> params) {
    return model.parameters().entrySet().stream()
        .filter(e -> params.contains(e.getValue())).map(java.util.Map.Entry::getKey).toList();
  }
}
