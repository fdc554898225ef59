package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longs;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import io.dpft.core.nn.TransformerBlock.NormPlacement;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Blocks against the textbook formulas written out with plain tensor algebra (explicit softmax
 * attention, mean/variance normalisation, erf GELU) from the block's own parameters.
 */
class TransformerBlockTest {
  private static final int B = 2;
  private static final int T = 5;
  private static final int D = 8;
  private static final int HEADS = 2;
  private static final int FF = 16;
  private static final double EPS = 1e-6;
  static final TransformerBlock.Names BERT = new TransformerBlock.Names("attention.self",
      "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
      "output.dense", "output.LayerNorm");
  static final TransformerBlock.Names GPT2 = new TransformerBlock.Names("attn", "attn.c_proj",
      "ln_1", "mlp.c_fc", "mlp.c_proj", "ln_2");

  private static TransformerBlock.Config config(NormPlacement placement, QkvProjection qkv,
      WeightLayout layout) {
    return new TransformerBlock.Config(D, HEADS, FF, Activation.GELU, 0.1, 0.1, EPS, placement,
        qkv, layout);
  }

  private static Tensor linear(Map<String, Tensor> p, String name, Tensor x, boolean inOut) {
    Tensor w = p.get(name + ".weight");
    return x.matmul(inOut ? w : w.t()).add(p.get(name + ".bias"));
  }

  private static Tensor norm(Map<String, Tensor> p, String name, Tensor x) {
    Tensor mean = x.mean(new long[] {2}, true, new ScalarTypeOptional());
    Tensor centred = x.sub(mean);
    Tensor var = centred.pow(new Scalar(2)).mean(new long[] {2}, true,
        new ScalarTypeOptional());
    return centred.div(var.add(new Scalar(EPS)).sqrt()).mul(p.get(name + ".weight"))
        .add(p.get(name + ".bias"));
  }

  private static Tensor gelu(Tensor x) {
    return x.mul(torch.erf(x.div(new Scalar(Math.sqrt(2)))).add(new Scalar(1.0)))
        .mul(new Scalar(0.5));
  }

  /** softmax(q kᵀ/√d_h + mask) v per head, heads split by reshaping. */
  private static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask) {
    long dh = D / HEADS;
    Tensor qh = q.reshape(B, T, HEADS, dh).transpose(1, 2);
    Tensor kh = k.reshape(B, T, HEADS, dh).transpose(1, 2);
    Tensor vh = v.reshape(B, T, HEADS, dh).transpose(1, 2);
    Tensor scores = qh.matmul(kh.transpose(2, 3)).div(new Scalar(Math.sqrt(dh))).add(mask);
    return torch.softmax(scores, 3).matmul(vh).transpose(1, 2).reshape(B, T, D);
  }

  /** A BERT (post-norm) block by the formulas, from its parameters {@code p}. */
  private static Tensor postNormFormula(Map<String, Tensor> p, Tensor x, Tensor mask) {
    Tensor a = attention(linear(p, "attention.self.query", x, false),
        linear(p, "attention.self.key", x, false), linear(p, "attention.self.value", x, false),
        mask);
    Tensor h = norm(p, "attention.output.LayerNorm",
        x.add(linear(p, "attention.output.dense", a, false)));
    Tensor ff = linear(p, "output.dense", gelu(linear(p, "intermediate.dense", h, false)), false);
    return norm(p, "output.LayerNorm", h.add(ff));
  }

  /** A block in evaluation mode with random biases and norm parameters (not just 0 and 1). */
  private static TransformerBlock evalBlock(TransformerBlock.Config config,
      TransformerBlock.Names names) {
    TransformerBlock block = new TransformerBlock(config, names);
    block.eval();
    Random random = new Random(21);
    block.parameters().values().stream().filter(p -> p.kind() != ParameterKind.WEIGHT)
        .forEach(p -> p.tensor().detach().add_(floats(gaussian(random, (int) p.tensor().numel()),
            p.shape()).mul(new Scalar(0.3))));
    return block;
  }

  @Test
  void postNormBlock_matchesFormula() {
    try (PointerScope scope = new PointerScope();
        TransformerBlock block = evalBlock(
            config(NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN), BERT)) {
      Map<String, Tensor> p = block.namedParameters();
      Tensor x = floats(gaussian(new Random(22), B * T * D), B, T, D);
      Tensor mask = AttentionMask.padding(longs(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, B, T));
      assertThat(maxAbsDiff(block.forward(x, mask), postNormFormula(p, x, mask)))
          .isLessThan(1e-5);
    }
  }

  /**
   * BiTFiT's backward through a whole block: weights frozen (their products then run on oneDNN
   * with hooked input gradients), input, biases and norm parameters differentiated, against
   * autograd through the formula's BLAS products.
   */
  @Test
  void postNormBlock_frozenWeights_gradientsMatchFormula() {
    try (PointerScope scope = new PointerScope();
        TransformerBlock block = evalBlock(
            config(NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN), BERT)) {
      Map<String, Tensor> p = block.namedParameters();
      block.parameters().values().stream().filter(q -> q.kind() == ParameterKind.WEIGHT)
          .forEach(q -> q.setTrainable(false));
      Tensor x = floats(gaussian(new Random(24), B * T * D), B, T, D);
      x.set_requires_grad(true);
      Tensor upstream = floats(gaussian(new Random(25), B * T * D), B, T, D);
      Tensor mask = AttentionMask.padding(longs(new long[] {1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, B, T));
      Tensor[] inputs = Stream.concat(Stream.of(x),
          p.entrySet().stream().filter(e -> !e.getKey().endsWith("dense.weight")
              && !e.getKey().matches(".*(query|key|value)\\.weight")).map(Map.Entry::getValue))
          .toArray(Tensor[]::new);
      assertThat(inputs).hasSize(1 + 6 + 4); // x, six biases, two LayerNorms
      Tensor[] ours = grads(block.forward(x, mask).mul(upstream).sum(), inputs);
      Tensor[] expected = grads(postNormFormula(p, x, mask).mul(upstream).sum(), inputs);
      for (int k = 0; k < inputs.length; k++) {
        assertThat(maxAbsDiff(ours[k], expected[k])).as("gradient %d", k).isLessThan(1e-5);
      }
    }
  }

  private static Tensor[] grads(Tensor loss, Tensor... inputs) {
    return torch.grad(new TensorVector(loss),
        new TensorVector(inputs), new TensorVector(),
        new BoolOptional(false), false, false).get();
  }

  @Test
  void preNormBlock_combinedConv1dProjections_matchesFormula() {
    try (PointerScope scope = new PointerScope();
        TransformerBlock block = evalBlock(
            config(NormPlacement.PRE, QkvProjection.COMBINED, WeightLayout.IN_OUT), GPT2)) {
      Map<String, Tensor> p = block.namedParameters();
      Tensor x = floats(gaussian(new Random(23), B * T * D), B, T, D);
      Tensor mask = AttentionMask.causal(T);
      Tensor[] qkv = linear(p, "attn.c_attn", norm(p, "ln_1", x), true).split(D, 2).get();
      Tensor h = x.add(linear(p, "attn.c_proj", attention(qkv[0], qkv[1], qkv[2], mask), true));
      Tensor ff = linear(p, "mlp.c_proj", gelu(linear(p, "mlp.c_fc", norm(p, "ln_2", h), true)),
          true);
      assertThat(maxAbsDiff(block.forward(x, mask), h.add(ff))).isLessThan(1e-5);
    }
  }

  @Test
  void trainingMode_appliesDropout_evalModeDoesNot() {
    try (PointerScope scope = new PointerScope();
        TransformerBlock block = new TransformerBlock(
            config(NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN), BERT)) {
      Tensor x = floats(gaussian(new Random(24), B * T * D), B, T, D);
      block.eval();
      Tensor first = block.forward(x, null);
      assertThat(maxAbsDiff(block.forward(x, null), first)).isZero();
      block.train(true);
      assertThat(maxAbsDiff(block.forward(x, null), first)).isGreaterThan(1e-3);
    }
  }

  @Test
  void names_followCheckpointInForwardOrder() {
    try (TransformerBlock post = new TransformerBlock(
            config(NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN), BERT);
        TransformerBlock pre = new TransformerBlock(
            config(NormPlacement.PRE, QkvProjection.COMBINED, WeightLayout.IN_OUT), GPT2)) {
      assertThat(post.parameters().keySet()).containsExactly(
          "attention.self.query.weight", "attention.self.query.bias",
          "attention.self.key.weight", "attention.self.key.bias",
          "attention.self.value.weight", "attention.self.value.bias",
          "attention.output.dense.weight", "attention.output.dense.bias",
          "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
          "intermediate.dense.weight", "intermediate.dense.bias",
          "output.dense.weight", "output.dense.bias",
          "output.LayerNorm.weight", "output.LayerNorm.bias");
      assertThat(pre.parameters().keySet()).containsExactly("ln_1.weight", "ln_1.bias",
          "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
          "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
          "mlp.c_proj.weight", "mlp.c_proj.bias");
      assertThat(pre.parameters().get("mlp.c_fc.weight").shape()).containsExactly(D, FF);
      assertThat(post.parameters().get("intermediate.dense.weight").shape()).containsExactly(FF, D);
    }
  }

  @Test
  void config_hiddenNotMultipleOfHeads_throws() {
    assertThatThrownBy(() -> new TransformerBlock.Config(10, 3, FF, Activation.GELU, 0, 0, EPS,
        NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hiddenSize=10")
        .hasMessageContaining("numHeads=3");
  }

  @Test
  void config_dropoutOne_throws() {
    assertThatThrownBy(() -> new TransformerBlock.Config(D, HEADS, FF, Activation.GELU, 1.0, 0,
        EPS, NormPlacement.POST, QkvProjection.SEPARATE, WeightLayout.OUT_IN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1)")
        .hasMessageContaining("1.0");
  }
}
