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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Per-sample gradients derived from the tape's outputs, activations and output gradients, against
 * the slow reference: one backward pass per example (batch of one).
 */
class TapeTest {
  private static final int B = 3;
  private static final int T = 4;
  private static final int V = 7;
  private static final int D = 8;
  private static final int F = 12;
  private static final int C = 3;
  private static final long[] IDS = {3, 5, 6, 0, 1, 2, 0, 0, 4, 4, 2, 1}; // (B, T), 0 = padding
  private static final long[] MASK = {1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1};
  private static final double TOLERANCE = 1e-5;

  /**
   * Every DP-aware layer type, attention between tokens, padding, a Conv1D-layout output, an added
   * parameter (as ViT's position embeddings) and a head tied to the token embedding (as GPT-2's).
   */
  static final class TinyEncoder extends Module {
    final Embedding tokens = registerModule("tokens", new Embedding(V, D, 0));
    final Embedding positions = registerModule("positions", new Embedding(T, D));
    final AddedParameter offset = registerModule("offset",
        new AddedParameter(ParameterKind.EMBEDDING, 1, T, D));
    final LayerNorm norm = registerModule("norm", new LayerNorm(D, 1e-5));
    final MultiHeadSelfAttention attention = registerModule("attention",
        new MultiHeadSelfAttention(D, 2, 0, QkvProjection.SEPARATE, WeightLayout.OUT_IN));
    final Linear hidden = registerModule("hidden", new Linear(D, F, true));
    final Linear out = registerModule("out", new Linear(F, C, true, WeightLayout.IN_OUT));
    final Linear head = registerModule("head",
        new Linear(tokens.weight(), null, WeightLayout.OUT_IN));

    /** ids, mask (b, T) -> (b, T, C + V): the output layer's and the tied head's outputs. */
    Tensor forward(Tensor ids, Tensor mask) {
      long b = ids.size(0);
      long[] pos = new long[(int) b * T];
      for (int i = 0; i < pos.length; i++) {
        pos[i] = i % T;
      }
      Tensor x = tokens.forward(ids).add(positions.forward(longs(pos, b, T)));
      x = norm.forward(offset.forward(x));
      x = x.add(attention.forward(x, AttentionMask.padding(mask)));
      Tensor y = out.forward(hidden.forward(x, Activation.GELU));
      return torch.cat(new TensorVector(y, head.forward(x)), 2);
    }
  }

  /** L = Σ_i Σ_t mask_{i,t} ‖y_{i,t} − target_{i,t}‖². */
  private static Tensor loss(Tensor y, Tensor mask, Tensor target) {
    Tensor perToken = y.sub(target).pow(new Scalar(2)).sum(2);
    return perToken.mul(mask.to(torch.ScalarType.Float)).sum();
  }

  private static TinyEncoder model() {
    torch.manual_seed(42);
    TinyEncoder model = new TinyEncoder();
    Random random = new Random(9);
    // non-trivial biases and norm parameters, so that every gradient path is exercised
    model.parameters().forEach((name, p) -> {
      if (p.kind() != ParameterKind.WEIGHT && p.kind() != ParameterKind.EMBEDDING) {
        int n = (int) p.tensor().numel();
        p.tensor().detach().copy_(floats(gaussian(random, n), p.shape()).mul(
            new Scalar(0.5)).add(new Scalar(
                p.kind() == ParameterKind.NORM_WEIGHT ? 1 : 0)));
      }
    });
    return model;
  }

  private static Tensor target() {
    return floats(gaussian(new Random(10), B * T * (C + V)), B, T, C + V);
  }

  /** {@link PerExampleReference}'s gradients of the trainable parameters, by name. */
  private static Map<String, float[][]> perExampleGradients(TinyEncoder model) {
    Map<String, float[][]> out = new HashMap<>();
    List<String> names = new ArrayList<>();
    model.parameters().forEach((name, p) -> {
      if (p.isTrainable()) {
        names.add(name);
      }
    });
    try (PointerScope scope = new PointerScope()) {
      Tensor ids = longs(IDS, B, T);
      Tensor mask = longs(MASK, B, T);
      Tensor target = target();
      PerExampleReference reference = PerExampleReference.of(B,
          i -> loss(model.forward(ids.narrow(0, i, 1), mask.narrow(0, i, 1)),
              mask.narrow(0, i, 1), target.narrow(0, i, 1)),
          names.stream().map(n -> model.parameters().get(n).tensor()).toArray(Tensor[]::new));
      for (int k = 0; k < names.size(); k++) {
        float[][] perExample = new float[B][];
        for (int i = 0; i < B; i++) {
          perExample[i] = values(reference.gradient(i, k));
        }
        out.put(names.get(k), perExample);
      }
    }
    return out;
  }

  /**
   * Per-sample gradients (B, ...parameter shape) from one tape: bias and added parameter g summed
   * to their shape; Linear
   * weight Σ_t g ⊗ a (or a ⊗ g in Conv1D layout); LayerNorm scale Σ_t x̂ ∘ g; Embedding
   * Σ_t onehot(id) ⊗ g without the padding row. A parameter used by two layers sums both.
   */
  private static Map<Parameter, Tensor> perSampleFromTape(Tape tape, List<Tensor> grads) {
    Map<Parameter, Tensor> out = new IdentityHashMap<>();
    for (int k = 0; k < grads.size(); k++) {
      Tape.Entry entry = tape.entries().get(k);
      DpLayer layer = entry.layer();
      Tensor g = grads.get(k);
      long dOut = g.size(g.dim() - 1);
      Tensor g3 = g.reshape(B, -1, dOut); // (B, T, d_out)
      layer.bias().filter(Parameter::isTrainable)
          .ifPresent(p -> out.merge(p, g.sum_to_size(perSampleShape(p, g)), Tensor::add));
      if (!layer.weight().isTrainable()) {
        continue;
      }
      Tensor a = entry.activation();
      Tensor perSample;
      if (layer instanceof AddedParameter) {
        perSample = g.sum_to_size(perSampleShape(layer.weight(), g));
      } else if (layer instanceof LayerNorm) {
        perSample = a.mul(g).reshape(B, -1, dOut).sum(1);
      } else if (layer instanceof Embedding embedding) {
        Tensor onehot = torch.one_hot(a, V).to(torch.ScalarType.Float); // (B, T, V)
        if (embedding.paddingIdx() != Embedding.NO_PADDING) {
          onehot = onehot.mul(a.ne(new Scalar(embedding.paddingIdx()))
              .unsqueeze(2).to(torch.ScalarType.Float));
        }
        long rows = layer.weight().shape()[0];
        perSample = torch.bmm(onehot.narrow(2, 0, rows).transpose(1, 2), g3); // (B, V, d)
      } else {
        Linear linear = (Linear) layer;
        Tensor a3 = a.reshape(B, -1, a.size(a.dim() - 1)); // (B, T, d_in)
        perSample = linear.layout() == WeightLayout.OUT_IN
            ? torch.bmm(g3.transpose(1, 2), a3) : torch.bmm(a3.transpose(1, 2), g3);
      }
      out.merge(layer.weight(), perSample, Tensor::add);
    }
    return out;
  }

  /** (B, ...) with the bias right-aligned to g's dims (a leading 1 of the bias is the batch). */
  private static long[] perSampleShape(Parameter bias, Tensor g) {
    long[] p = bias.shape();
    long[] shape = new long[(int) g.dim()];
    Arrays.fill(shape, 1);
    shape[0] = B;
    int skip = p.length == shape.length ? 1 : 0;
    System.arraycopy(p, skip, shape, shape.length - (p.length - skip), p.length - skip);
    return shape;
  }

  private static void assertTapeMatchesPerExample(TinyEncoder model) {
    Map<String, float[][]> reference = perExampleGradients(model);
    try (PointerScope scope = new PointerScope(); Tape tape = Tape.start()) {
      Tensor mask = longs(MASK, B, T);
      Tensor y = model.forward(longs(IDS, B, T), mask);
      List<Tensor> grads = tape.outputGradients(loss(y, mask, target()));
      Map<Parameter, Tensor> perSample = perSampleFromTape(tape, grads);
      Map<String, Parameter> trainable = new LinkedHashMap<>(model.parameters());
      trainable.values().removeIf(p -> !p.isTrainable());
      assertThat(perSample.keySet()).containsExactlyInAnyOrderElementsOf(trainable.values());
      assertThat(reference.keySet()).containsExactlyInAnyOrderElementsOf(trainable.keySet());
      // errors relative to the largest entry of example i's whole gradient: the key bias has a
      // mathematically zero gradient (softmax ignores a score shift), so per-tensor scales fail
      for (int i = 0; i < B; i++) {
        double scale = 0;
        for (String name : trainable.keySet()) {
          for (float v : reference.get(name)[i]) {
            scale = Math.max(scale, Math.abs(v));
          }
        }
        for (var e : trainable.entrySet()) {
          float[] all = values(perSample.get(e.getValue()));
          int n = all.length / B;
          float[] mine = Arrays.copyOfRange(all, i * n, (i + 1) * n);
          assertThat(maxAbsDiff(mine, reference.get(e.getKey())[i]) / scale)
              .as("%s, example %d", e.getKey(), i).isLessThan(TOLERANCE);
        }
      }
    }
  }

  @Test
  void allTrainable_perSampleGradientsFromTape_equalPerExampleAutograd() {
    try (TinyEncoder model = model()) {
      model.eval();
      assertTapeMatchesPerExample(model);
    }
  }

  @Test
  void biasesOnly_perSampleBiasGradientsFromTape_equalPerExampleAutograd() {
    try (TinyEncoder model = model()) {
      model.freeze((name, p) -> p.kind() != ParameterKind.BIAS && p.kind() != ParameterKind.NORM_BIAS);
      assertTapeMatchesPerExample(model);
    }
  }

  @Test
  void conv2d_perSampleGradientsFromUnfoldedInput_equalPerExampleAutograd() {
    try (PointerScope scope = new PointerScope(); Conv2d conv = new Conv2d(2, 3, 2, 2, true)) {
      Random random = new Random(13);
      Tensor x = floats(gaussian(random, B * 2 * 4 * 6), B, 2, 4, 6);
      Tensor target = floats(gaussian(random, B * 3 * 2 * 3), B, 3, 2, 3);
      PerExampleReference reference = PerExampleReference.of(B,
          i -> conv.forward(x.narrow(0, i, 1)).sub(target.narrow(0, i, 1)).pow(new Scalar(2)).sum(),
          conv.weight().tensor(), conv.bias().orElseThrow().tensor());
      try (Tape tape = Tape.start()) {
        Tensor z = conv.forward(x);
        Tensor g = tape.outputGradients(z.sub(target).pow(new Scalar(2)).sum())
            .get(0).reshape(B, 3, -1); // (B, C_out, L)
        Tensor patches = conv.unfold(tape.entries().get(0).activation()); // (B, C_in·k·k, L)
        float[] weight = values(torch.bmm(g, patches.transpose(1, 2))); // (B, C_out, C_in·k·k)
        float[] bias = values(g.sum(2));
        for (int i = 0; i < B; i++) {
          float[] weightRef = values(reference.gradient(i, 0));
          int n = weightRef.length;
          assertThat(relativeDiff(Arrays.copyOfRange(weight, i * n, (i + 1) * n), weightRef))
              .isLessThan(TOLERANCE);
          assertThat(relativeDiff(Arrays.copyOfRange(bias, i * 3, (i + 1) * 3),
                  values(reference.gradient(i, 1))))
              .isLessThan(TOLERANCE);
        }
      }
    }
  }

  @Test
  void frozenWeights_recordOutputsOnly_andLayersWithoutTrainableParametersNothing() {
    try (TinyEncoder model = model(); PointerScope scope = new PointerScope()) {
      model.freeze((name, p) -> p.kind() != ParameterKind.BIAS);
      try (Tape tape = Tape.start()) {
        model.forward(longs(IDS, B, T), longs(MASK, B, T));
        assertThat(tape.entries()).<Module>extracting(Tape.Entry::layer).containsExactly(
            model.attention.namedModules().get("query"), model.attention.namedModules().get("key"),
            model.attention.namedModules().get("value"), model.hidden, model.out);
        assertThat(tape.entries()).noneMatch(Tape.Entry::hasActivation);
      }
    }
  }

  /**
   * A listener sees every entry as it is recorded, with its index; an output it does not ask to keep
   * is not kept, and such a tape cannot be asked for output gradients.
   */
  @Test
  void listener_seesEachEntryAsRecorded_andDecidesWhichOutputsTheTapeKeeps() {
    try (TinyEncoder model = model(); PointerScope scope = new PointerScope()) {
      List<Integer> seen = new java.util.ArrayList<>();
      Tape.Listener keepQueryOnly = (index, entry) -> {
        assertThat(entry.output()).isNotNull();
        seen.add(index);
        return entry.layer() == model.attention.namedModules().get("query");
      };
      try (Tape tape = Tape.start(keepQueryOnly)) {
        Tensor logits = model.forward(longs(IDS, B, T), longs(MASK, B, T));
        assertThat(tape.listener()).isSameAs(keepQueryOnly);
        assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(tape.entries()).filteredOn(e -> e.output() != null).<Module>extracting(
            Tape.Entry::layer).containsExactly(model.attention.namedModules().get("query"));
        assertThatThrownBy(() -> tape.outputGradients(logits.sum()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("listener");
      }
    }
  }

  @Test
  void entries_areInForwardOrder_withActivationsOfTrainableWeights() {
    try (TinyEncoder model = model(); PointerScope scope = new PointerScope();
        Tape tape = Tape.start()) {
      model.forward(longs(IDS, B, T), longs(MASK, B, T));
      assertThat(tape.entries()).<Module>extracting(Tape.Entry::layer).containsExactly(
          model.tokens, model.positions, model.offset, model.norm,
          model.attention.namedModules().get("query"), model.attention.namedModules().get("key"),
          model.attention.namedModules().get("value"), model.hidden, model.out, model.head);
      assertThat(tape.entries()).filteredOn(e -> e.layer() != model.offset)
          .allMatch(Tape.Entry::hasActivation);
      assertThat(tape.entries().get(2).hasActivation()).isFalse(); // no weight
      assertThat(tape.entries().get(0).activation().scalar_type().value)
          .isEqualTo(torch.ScalarType.Long.value);
      assertThat(tape.entries().get(8).activation().shape()).containsExactly(B, T, F);
    }
  }

  /**
   * The input of a layer after an MLP activation is not kept from the forward pass but formed
   * again from the previous layer's output whenever the engine asks: same values, other memory.
   */
  @Test
  void activationAfterAnMlpLayer_isFormedAgainFromThatLayersOutput() {
    try (PointerScope scope = new PointerScope(); Linear in = new Linear(D, F, true);
        Linear out = new Linear(F, C, true); Tape tape = Tape.start()) {
      Tensor x = floats(gaussian(new Random(3), B * T * D), B, T, D);
      Tensor h = in.forward(x, Activation.GELU);
      out.forward(h);
      Tape.Entry entry = tape.entries().get(1);
      assertThat(entry.layer()).isSameAs(out);
      assertThat(entry.hasActivation()).isTrue();
      assertThat(entry.activationShape()).containsExactly(B, T, F);
      Tensor kept = entry.activation();
      assertThat(kept.data_ptr().address()).isNotEqualTo(h.data_ptr().address());
      Tensor expected = torch.gelu(torch.matmul(x, in.weight().tensor().t())
          .add(in.bias().orElseThrow().tensor()), "none");
      assertThat(maxAbsDiff(kept, expected)).isLessThan(1e-5);
      assertThat(maxAbsDiff(entry.activation(), expected)).isLessThan(1e-5); // formed again
    }
  }

  /**
   * Asked for with {@code keptActivation}, the activation after an MLP layer is formed once, in a
   * scope the caller may close, and the entry keeps that one from then on.
   */
  @Test
  void keptActivation_isFormedOnce_andOutlivesTheCallersScope() {
    try (PointerScope scope = new PointerScope(); Linear in = new Linear(D, F, true);
        Linear out = new Linear(F, C, true); Tape tape = Tape.start()) {
      Tensor x = floats(gaussian(new Random(4), B * T * D), B, T, D);
      out.forward(in.forward(x, Activation.GELU));
      Tape.Entry entry = tape.entries().get(1);
      long address;
      try (PointerScope caller = new PointerScope()) {
        address = entry.keptActivation().data_ptr().address();
      }
      Tensor expected = torch.gelu(torch.matmul(x, in.weight().tensor().t())
          .add(in.bias().orElseThrow().tensor()), "none");
      Tensor kept = entry.keptActivation();
      assertThat(kept.data_ptr().address()).isEqualTo(address);
      assertThat(entry.activation().data_ptr().address()).isEqualTo(address);
      assertThat(entry.activationShape()).containsExactly(B, T, F);
      assertThat(maxAbsDiff(kept, expected)).isLessThan(1e-5);
    }
  }

  @Test
  void noActiveTape_recordsNothing() {
    try (TinyEncoder model = model(); PointerScope scope = new PointerScope()) {
      Tape tape = Tape.start();
      tape.close();
      model.forward(longs(IDS, B, T), longs(MASK, B, T));
      assertThat(tape.entries()).isEmpty();
      try (Tape next = Tape.start()) {
        assertThat(next.entries()).isEmpty();
      }
    }
  }

  @Test
  void gradModeOff_recordsNothing() {
    try (TinyEncoder model = model(); PointerScope scope = new PointerScope();
        Tape tape = Tape.start(); NoGradGuard noGrad = new NoGradGuard()) {
      model.forward(longs(IDS, B, T), longs(MASK, B, T));
      assertThat(tape.entries()).isEmpty();
    }
  }

  @Test
  void outputGradients_outputNotReachingLoss_getsZeros() {
    try (PointerScope scope = new PointerScope(); Linear used = new Linear(2, 2, true);
        Linear unused = new Linear(2, 2, true); Tape tape = Tape.start()) {
      Tensor x = floats(new float[] {1, 2, 3, 4}, 2, 2);
      Tensor y = used.forward(x);
      unused.forward(x);
      List<Tensor> grads = tape.outputGradients(y.sum());
      assertThat(values(grads.get(0))).containsOnly(1f);
      assertThat(values(grads.get(1))).containsOnly(0f);
    }
  }

  @Test
  void outputGradients_nonScalarLoss_throws() {
    try (PointerScope scope = new PointerScope(); Linear linear = new Linear(2, 2, true);
        Tape tape = Tape.start()) {
      Tensor y = linear.forward(floats(new float[] {1, 2}, 1, 2));
      assertThatThrownBy(() -> tape.outputGradients(y))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scalar");
    }
  }

  @Test
  void start_whileActive_throws() {
    try (Tape tape = Tape.start()) {
      assertThatThrownBy(Tape::start).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already active");
    }
  }
}
