package io.dpft.core.nn;

import static io.dpft.core.nn.TestTensors.floats;
import static io.dpft.core.nn.TestTensors.gaussian;
import static io.dpft.core.nn.TestTensors.longs;
import static io.dpft.core.nn.TestTensors.maxAbsDiff;
import static io.dpft.core.nn.TestTensors.relativeDiff;
import static io.dpft.core.nn.TestTensors.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dpft.core.nn.MultiHeadSelfAttention.QkvProjection;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Attention against a naive per-head loop in Java. */
class MultiHeadSelfAttentionTest {
  private static final int B = 2;
  private static final int T = 4;
  private static final int D = 6;
  private static final int HEADS = 2;
  private static final int DH = D / HEADS;
  private static final long[] MASK = {1, 1, 1, 0, 1, 1, 0, 0}; // (B, T): padded at the end

  /** y = x Wᵀ + b for (B·T, D) rows, W in torch layout. */
  private static double[] project(float[] x, float[] w, float[] b) {
    double[] y = new double[B * T * D];
    for (int r = 0; r < B * T; r++) {
      for (int o = 0; o < D; o++) {
        double s = b[o];
        for (int i = 0; i < D; i++) {
          s += x[r * D + i] * w[o * D + i];
        }
        y[r * D + o] = s;
      }
    }
    return y;
  }

  private static float[] naive(float[] x, MultiHeadSelfAttention attention, boolean padding,
      boolean causal) {
    return naive(x, attention, padding, causal, null, 1);
  }

  /**
   * @param keep per (b, h, t, s) 1 when the probability is kept (and then divided by
   *     {@code keepProbability}), 0 when dropped; null for no dropout
   */
  private static float[] naive(float[] x, MultiHeadSelfAttention attention, boolean padding,
      boolean causal, float[] keep, double keepProbability) {
    double[][] qkv = new double[3][];
    String[] names = {"query", "key", "value"};
    for (int m = 0; m < 3; m++) {
      qkv[m] = project(x, values(attention.namedParameters().get(names[m] + ".weight")),
          values(attention.namedParameters().get(names[m] + ".bias")));
    }
    float[] out = new float[B * T * D];
    for (int b = 0; b < B; b++) {
      for (int h = 0; h < HEADS; h++) {
        for (int t = 0; t < T; t++) {
          double[] scores = new double[T];
          double max = Double.NEGATIVE_INFINITY;
          for (int s = 0; s < T; s++) {
            double dot = 0;
            for (int j = 0; j < DH; j++) {
              dot += qkv[0][(b * T + t) * D + h * DH + j] * qkv[1][(b * T + s) * D + h * DH + j];
            }
            boolean allowed = (!padding || MASK[b * T + s] == 1) && (!causal || s <= t);
            scores[s] = dot / Math.sqrt(DH) + (allowed ? 0 : -1e9);
            max = Math.max(max, scores[s]);
          }
          double z = 0;
          for (int s = 0; s < T; s++) {
            scores[s] = Math.exp(scores[s] - max);
            z += scores[s];
          }
          for (int s = 0; s < T && keep != null; s++) {
            boolean kept = keep[((b * HEADS + h) * T + t) * T + s] == 1;
            scores[s] = kept ? scores[s] / keepProbability : 0;
          }
          for (int j = 0; j < DH; j++) {
            double acc = 0;
            for (int s = 0; s < T; s++) {
              acc += scores[s] / z * qkv[2][(b * T + s) * D + h * DH + j];
            }
            out[(b * T + t) * D + h * DH + j] = (float) acc;
          }
        }
      }
    }
    return out;
  }

  private static void check(boolean padding, boolean causal) {
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, HEADS, 0.1,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN)) {
      attention.eval();
      // biases are zero at initialisation: give them values so they are checked too
      Random random = new Random(11);
      for (String name : new String[] {"query.bias", "key.bias", "value.bias"}) {
        attention.namedParameters().get(name).detach().copy_(floats(gaussian(random, D), D));
      }
      float[] x = gaussian(random, B * T * D);
      Tensor mask = null;
      Tensor attentionMask = longs(MASK, B, T);
      if (padding && causal) {
        mask = AttentionMask.causalWithPadding(attentionMask);
      } else if (padding) {
        mask = AttentionMask.padding(attentionMask);
      } else if (causal) {
        mask = AttentionMask.causal(T);
      }
      // scale the input so that attention is far from uniform
      Tensor y = attention.forward(floats(x, B, T, D).mul(new Scalar(30.0)),
          mask);
      float[] scaled = x.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] *= 30f;
      }
      assertThat(y.shape()).containsExactly(B, T, D);
      assertThat(maxAbsDiff(values(y), naive(scaled, attention, padding, causal))).isLessThan(1e-5);
    }
  }

  @Test
  void forward_noMask_matchesNaiveLoop() {
    check(false, false);
  }

  @Test
  void forward_paddingMask_matchesNaiveLoop() {
    check(true, false);
  }

  @Test
  void forward_causalMask_matchesNaiveLoop() {
    check(false, true);
  }

  @Test
  void forward_causalAndPaddingMask_matchesNaiveLoop() {
    check(true, true);
  }

  /**
   * Under {@link Precision#BF16} attention itself still runs in float32 (libtorch's bfloat16
   * kernel was slower): with the module in bf16 and only its projections (Linears, which do
   * multiply in bfloat16) set back to fp32, output and dL/dx are float32's.
   */
  @Test
  void forward_bf16_keepsAttentionInFloat32() {
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, HEADS, 0.1,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN)) {
      attention.eval();
      Tensor x = torch.randn(B, T, D).mul(new Scalar(30.0)); // far from uniform attention
      x.set_requires_grad(true);
      Tensor mask = AttentionMask.padding(longs(MASK, B, T));
      Tensor upstream = torch.randn(B, T, D);
      Tensor fp32 = attention.forward(x, mask);
      Tensor fp32Grad = grad(fp32.mul(upstream).sum(), new Tensor[] {x}, false)[0];
      attention.setPrecision(Precision.BF16);
      attention.namedModules().values().stream().filter(Linear.class::isInstance)
          .forEach(projection -> projection.setPrecision(Precision.FP32));
      assertThat(attention.precision()).isEqualTo(Precision.BF16);
      Tensor bf16 = attention.forward(x, mask);
      Tensor bf16Grad = grad(bf16.mul(upstream).sum(), new Tensor[] {x}, false)[0];
      assertThat(bf16.scalar_type().intern()).isEqualTo(torch.ScalarType.Float);
      assertThat(relativeDiff(bf16, fp32)).isLessThan(1e-6);
      assertThat(relativeDiff(bf16Grad, fp32Grad)).isLessThan(1e-6);
    }
  }

  /**
   * In training mode the probabilities are dropped by a mask drawn from a seed that torch's default
   * generator gives, and the kept ones scaled by 1/P(keep): the same mask, drawn again from the
   * same state ({@code keepMask}), gives the naive loop's result; the next call draws another.
   */
  @Test
  void forward_trainingWithDropout_matchesNaiveLoopWithTheSameDraws() {
    double p = 0.4;
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, HEADS, p,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN)) {
      Random random = new Random(13);
      float[] x = gaussian(random, B * T * D);
      for (int i = 0; i < x.length; i++) {
        x[i] *= 5f;
      }
      torch.manual_seed(77);
      Tensor y = attention.forward(floats(x, B, T, D), AttentionMask.padding(longs(MASK, B, T)));
      Tensor next = attention.forward(floats(x, B, T, D),
          AttentionMask.padding(longs(MASK, B, T)));
      torch.manual_seed(77);
      float[] keep = values(attention.keepMask(B, T, T).to(torch.ScalarType.Float));
      float[] expected = naive(x, attention, true, false, keep, Dropout.keepProbability(p));
      assertThat(maxAbsDiff(values(y), expected)).isLessThan(1e-5);
      assertThat(maxAbsDiff(values(next), expected)).isGreaterThan(1e-3);
      // the draws do drop something, and the result differs from evaluation mode
      int dropped = 0;
      for (float k : keep) {
        dropped += k == 0 ? 1 : 0;
      }
      assertThat(dropped).isPositive();
      attention.eval();
      assertThat(maxAbsDiff(values(attention.forward(floats(x, B, T, D),
          AttentionMask.padding(longs(MASK, B, T)))), expected)).isGreaterThan(1e-3);
    }
  }

  /**
   * The same attention by autograd through its formula, with the keep mask {@code keep} (1/0
   * floats), from the module's projection parameters.
   */
  private static Tensor autogradReference(MultiHeadSelfAttention attention, Tensor x, Tensor mask,
      Tensor keep, double keepProbability) {
    Tensor[] heads = new Tensor[3];
    String[] names = {"query", "key", "value"};
    for (int m = 0; m < 3; m++) {
      Tensor w = attention.namedParameters().get(names[m] + ".weight");
      Tensor b = attention.namedParameters().get(names[m] + ".bias");
      heads[m] = torch.matmul(x, w.t()).add(b).view(B, T, HEADS, DH).transpose(1, 2);
    }
    Tensor scores = torch.matmul(heads[0], heads[1].transpose(-2, -1))
        .div(new Scalar(Math.sqrt(DH))).add(mask);
    Tensor dropped = torch.softmax(scores, -1).mul(keep).div(new Scalar(keepProbability));
    return torch.matmul(dropped, heads[2]).transpose(1, 2).reshape(B, T, D);
  }

  /**
   * Backward through dropped attention ({@code DroppedAttention}, hooks instead of autograd, run
   * in a nested scope as in a block) gives the input and the three projection weights the
   * gradients autograd gives the written-out formula with the same mask: from probabilities
   * formed again from the saved log-sum-exps, and, under {@code create_graph}, by a softmax with
   * autograd, whose second derivatives match too.
   */
  @Test
  void backward_trainingWithDropout_matchesAutogradOfTheFormula() {
    double p = 0.3;
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, HEADS, p,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN)) {
      Random random = new Random(21);
      Tensor x = floats(gaussian(random, B * T * D), B, T, D).mul(new Scalar(3))
          .requires_grad_(true);
      Tensor r = floats(gaussian(random, B * T * D), B, T, D);
      Tensor r2 = floats(gaussian(random, B * T * D), B, T, D);
      Tensor mask = AttentionMask.padding(longs(MASK, B, T));
      torch.manual_seed(5);
      Tensor keep = attention.keepMask(B, T, T).to(torch.ScalarType.Float);
      Tensor expected = autogradReference(attention, x, mask, keep, Dropout.keepProbability(p));
      Tensor[] inputs = {x, attention.namedParameters().get("query.weight"),
          attention.namedParameters().get("key.weight"),
          attention.namedParameters().get("value.weight")};
      Tensor[] want = grad(expected.mul(r).sum(), inputs, true);
      for (boolean createGraph : new boolean[] {false, true}) {
        torch.manual_seed(5);
        Tensor y = NestedScope.result(() -> attention.forward(x, mask));
        assertThat(maxAbsDiff(y, expected)).isLessThan(1e-5);
        Tensor[] got = grad(y.mul(r).sum(), inputs, createGraph);
        for (int i = 0; i < inputs.length; i++) {
          assertThat(maxAbs(values(want[i]))).as("input %d", i).isGreaterThan(1e-3);
          assertThat(relativeDiff(got[i], want[i]))
              .as("input %d, create_graph %s", i, createGraph).isLessThan(1e-5);
        }
        if (createGraph) { // d/dx of <dL/dx, r2>
          Tensor second = grad(got[0].mul(r2).sum(), new Tensor[] {x}, false)[0];
          Tensor secondWant = grad(want[0].mul(r2).sum(), new Tensor[] {x}, false)[0];
          assertThat(maxAbs(values(secondWant))).isGreaterThan(1e-5);
          assertThat(relativeDiff(second, secondWant)).isLessThan(1e-4);
        }
      }
    }
  }

  /**
   * Attention with dropout on heads q, k, v {@code (B, h, T, d_h)} given directly: its gradients
   * in q, k and v equal autograd's through the written-out formula with the same keep mask, with
   * and without create_graph (then the second derivatives too), with the scores formed in blocks
   * of whole examples (5 examples in blocks of 2), of heads (3 heads of one example in blocks of
   * 2) or all at once; under a padding mask (B, 1, 1, T) or a causal one with padding (B, 1, T, T);
   * through the backward hooks, and through autograd where no scope can own the hooks.
   */
  @Test
  void backward_inBlocks_qkvGradientsMatchAutogradOfTheFormula() {
    checkHeads(5, 2, 3, 2 * 2 * 3 * 3 + 5, false, true);
    checkHeads(3, 3, 5, 2 * 5 * 5, true, true);
    checkHeads(5, 2, 3, 2 * 2 * 3 * 3, true, false);
    checkHeads(2, 2, 4, MultiHeadSelfAttention.SCORES_PER_BLOCK, false, true);
  }

  private static void checkHeads(int batch, int heads, int length, long scoresPerBlock,
      boolean causal, boolean scoped) {
    double p = 0.3;
    int dh = 3;
    try (PointerScope scope = scoped ? new PointerScope() : null;
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(heads * dh, heads, p,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN, scoresPerBlock)) {
      Random random = new Random(31 + batch);
      int n = batch * length * heads * dh;
      Tensor[] leaves = new Tensor[3];
      Tensor[] qkv = new Tensor[3];
      for (int m = 0; m < 3; m++) { // laid out (B, T, h, d_h) as the projections give them
        leaves[m] = floats(gaussian(random, n), batch, length, heads, dh).mul(new Scalar(2))
            .requires_grad_(true);
        qkv[m] = leaves[m].transpose(1, 2);
      }
      long[] tokens = new long[batch * length]; // example b has its last b % (T − 1) padded
      for (int b = 0; b < batch; b++) {
        for (int t = 0; t < length; t++) {
          tokens[b * length + t] = t < length - b % (length - 1) ? 1 : 0;
        }
      }
      Tensor attentionMask = longs(tokens, batch, length);
      Tensor mask = causal ? AttentionMask.causalWithPadding(attentionMask)
          : AttentionMask.padding(attentionMask);
      Tensor r = floats(gaussian(random, n), batch, heads, length, dh);
      Tensor r2 = floats(gaussian(random, n), batch, length, heads, dh); // as dL/dk
      torch.manual_seed(9);
      Tensor keep = attention.keepMask(batch, length, length).to(torch.ScalarType.Float);
      Tensor scores = torch.matmul(qkv[0], qkv[1].transpose(-2, -1))
          .div(new Scalar(Math.sqrt(dh))).add(mask);
      Tensor expected = torch.matmul(torch.softmax(scores, -1).mul(keep)
          .div(new Scalar(Dropout.keepProbability(p))), qkv[2]);
      Tensor[] want = grad(expected.mul(r).sum(), leaves, true);
      Tensor secondWant = grad(want[1].mul(r2).sum(), new Tensor[] {leaves[0]}, false)[0];
      for (boolean createGraph : new boolean[] {false, true}) {
        torch.manual_seed(9);
        Tensor y = NestedScope.result(() -> attention.withDropout(qkv[0], qkv[1], qkv[2], mask));
        assertThat(maxAbsDiff(y, expected)).isLessThan(1e-5);
        Tensor[] got = grad(y.mul(r).sum(), leaves, createGraph);
        for (int i = 0; i < 3; i++) {
          assertThat(maxAbs(values(want[i]))).as("input %d", i).isGreaterThan(1e-3);
          assertThat(relativeDiff(got[i], want[i]))
              .as("input %d, create_graph %s", i, createGraph).isLessThan(1e-5);
        }
        if (createGraph) { // d/dq of <dL/dk, r2>
          Tensor second = grad(got[1].mul(r2).sum(), new Tensor[] {leaves[0]}, false)[0];
          assertThat(maxAbs(values(secondWant))).isGreaterThan(1e-5);
          assertThat(relativeDiff(second, secondWant)).isLessThan(1e-4);
        }
      }
    }
  }

  /**
   * A second backward through dropped attention fails with a message naming the cause: the first
   * freed what the forward pass kept, as autograd frees its saved tensors.
   */
  @Test
  void backward_secondTimeThroughDroppedAttention_failsNamingTheCause() {
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention attention = new MultiHeadSelfAttention(D, HEADS, 0.3,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN)) {
      Tensor x = floats(gaussian(new Random(4), B * T * D), B, T, D).requires_grad_(true);
      Tensor loss = attention.forward(x, AttentionMask.padding(longs(MASK, B, T))).sum();
      torch.grad(new TensorVector(loss), new TensorVector(x), new TensorVector(),
          new BoolOptional(true), false, false);
      assertThatThrownBy(() -> torch.grad(new TensorVector(loss), new TensorVector(x),
          new TensorVector(), new BoolOptional(false), false, false))
          .hasMessageContaining("second time through attention with dropout");
    }
  }

  private static Tensor[] grad(Tensor loss, Tensor[] inputs, boolean createGraph) {
    return torch.grad(new TensorVector(loss), new TensorVector(inputs), new TensorVector(),
        new BoolOptional(createGraph), createGraph, false).get();
  }

  private static double maxAbs(float[] v) {
    double max = 0;
    for (float f : v) {
      max = Math.max(max, Math.abs(f));
    }
    return max;
  }

  @Test
  void combinedProjection_withStackedConv1dWeights_equalsSeparate() {
    try (PointerScope scope = new PointerScope();
        MultiHeadSelfAttention separate = new MultiHeadSelfAttention(D, HEADS, 0,
            QkvProjection.SEPARATE, WeightLayout.OUT_IN);
        MultiHeadSelfAttention combined = new MultiHeadSelfAttention(D, HEADS, 0,
            QkvProjection.COMBINED, WeightLayout.IN_OUT)) {
      assertThat(combined.namedParameters()).containsOnlyKeys("c_attn.weight", "c_attn.bias");
      assertThat(combined.namedParameters().get("c_attn.weight").shape()).containsExactly(D, 3 * D);
      var p = separate.namedParameters();
      Random random = new Random(12);
      for (String name : new String[] {"query.bias", "key.bias", "value.bias"}) {
        p.get(name).detach().copy_(floats(gaussian(random, D), D));
      }
      // Conv1D layout [in, 3·out] = [Wqᵀ | Wkᵀ | Wvᵀ]
      Tensor w = torch.cat(new TensorVector(
          p.get("query.weight").t(), p.get("key.weight").t(), p.get("value.weight").t()), 1);
      Tensor b = torch.cat(new TensorVector(p.get("query.bias"), p.get("key.bias"), p.get("value.bias")), 0);
      combined.namedParameters().get("c_attn.weight").detach().copy_(w);
      combined.namedParameters().get("c_attn.bias").detach().copy_(b);
      Tensor x = floats(gaussian(random, B * T * D), B, T, D);
      Tensor mask = AttentionMask.causal(T);
      assertThat(maxAbsDiff(combined.forward(x, mask), separate.forward(x, mask))).isLessThan(1e-6);
    }
  }

  @Test
  void constructor_hiddenNotMultipleOfHeads_throws() {
    assertThatThrownBy(() -> new MultiHeadSelfAttention(7, 2, 0, QkvProjection.SEPARATE,
        WeightLayout.OUT_IN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hiddenSize=7").hasMessageContaining("numHeads=2");
  }
}
