package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Frozen transformer blocks made reversible by adapters (DP-MemArc's reversible design, Liu et
 * al. 2024, after MEFT, Liao et al., NeurIPS 2023), so that backward recomputes each block's input
 * from its output instead of keeping the activations of every block.
 *
 * <p>Two streams {@code (a, b)} start as {@code (h, h)}; block {@code i} maps {@code (x1, x2)} to
 * {@code (y2, y1)} with {@code y1 = λ·x1 + F_i(x2)}, {@code y2 = x2 + G_i(y1)}, where
 * {@code F_i(x) = block_i(x) − λ·x} (the frozen block, so that {@code y1 = block_i(x2)} whenever
 * the two streams agree) and {@code G_i(y) = up(ReLU(down(y)))} an adapter whose up-projection
 * starts at zero; the stack's output is the last {@code y1 + G(y1)}. The inverse is
 * {@code x2 = y2 − G_i(y1)}, {@code x1 = x2 + (y1 − block_i(x2))/λ}. The blocks run in eval mode
 * (no dropout): {@code F_i} must be the same function forward and when recomputed.
 *
 * <p>The forward pass keeps only the last two streams; {@link HookedBackward} gives the output a
 * backward that walks the blocks in reverse, recomputing each block's inputs, differentiating the
 * block by autograd and each adapter by hand, per sample: the adapters' per-sample gradients
 * ({@link ReversibleLinear}) are what the DP engine clips, and their sums what a non-private
 * step applies.
 */
public final class ReversibleStack extends Module {
  private final List<TransformerBlock> blocks;
  private final List<Adapter> adapters = new ArrayList<>();
  private final double lambda;

  /**
   * Adds a zero-started adapter of width {@code adapterSize} to each of {@code blocks} (held, not
   * registered: they stay under their own names).
   *
   * @param lambda the scale λ of the stream {@code x1}, in (0, 1]
   */
  public ReversibleStack(List<TransformerBlock> blocks, int adapterSize, double lambda) {
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException("a reversible stack needs at least one block");
    }
    if (!(lambda > 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in (0, 1], got " + lambda);
    }
    this.blocks = List.copyOf(blocks);
    this.lambda = lambda;
    int d = blocks.get(0).config().hiddenSize();
    for (int i = 0; i < blocks.size(); i++) {
      adapters.add(registerModule(Integer.toString(i), new Adapter(d, adapterSize)));
    }
  }

  /** {@code G(y) = up(ReLU(down(y)))}, {@code (B, T, d) -> (B, T, d)}; zero at the start. */
  private static final class Adapter extends Module {
    private final ReversibleLinear down;
    private final ReversibleLinear up;

    Adapter(int d, int size) {
      Init.positive("adapter size", size);
      down = registerModule("down", new ReversibleLinear(
          Parameter.normal(ParameterKind.WEIGHT, Init.STD, size, d),
          Parameter.filled(ParameterKind.BIAS, 0, size)));
      up = registerModule("up", new ReversibleLinear(
          Parameter.filled(ParameterKind.WEIGHT, 0, d, size),
          Parameter.filled(ParameterKind.BIAS, 0, d)));
    }

    Tensor apply(Tensor y) {
      return up.apply(torch.relu(down.apply(y)));
    }

    /**
     * Backward of {@code G} at {@code y} for {@code dL/dG = g}: keeps each layer's per-sample
     * gradients (in {@code owner}) and returns {@code dL/dy}.
     */
    Tensor backward(Tensor y, Tensor g, PointerScope owner) {
      Tensor pre = down.apply(y); // (B, T, m)
      Tensor upWeight = keep(owner, torch.bmm(g.transpose(1, 2), torch.relu(pre))); // (B, d, m)
      Tensor upBias = keep(owner, g.sum(new long[] {1}, false, new ScalarTypeOptional()));
      up.setPerSampleGradients(upWeight, upBias);
      Tensor gPre = g.matmul(up.weight().tensor()).mul(pre.gt(new Scalar(0.0))); // (B, T, m)
      Tensor downWeight = keep(owner, torch.bmm(gPre.transpose(1, 2), y)); // (B, m, d)
      Tensor downBias = keep(owner, gPre.sum(new long[] {1}, false, new ScalarTypeOptional()));
      down.setPerSampleGradients(downWeight, downBias);
      return gPre.matmul(down.weight().tensor());
    }

    List<ReversibleLinear> layers() {
      return List.of(down, up);
    }
  }

  private static Tensor keep(PointerScope owner, Tensor t) {
    if (owner != null) {
      owner.attach(t);
    }
    return t;
  }

  /**
   * {@code (B, T, d) -> (B, T, d)}; with gradients wanted, computed without autograd and given the
   * stack's own backward (call it within the scope of the step, which owns what backward keeps).
   *
   * @param mask additive attention mask or null
   */
  public Tensor forward(Tensor h, Tensor mask) {
    blocks.forEach(Module::eval);
    List<Tensor> parameters = new ArrayList<>();
    adapters.forEach(adapter -> adapter.parameters().values().stream()
        .filter(Parameter::isTrainable).forEach(p -> parameters.add(p.tensor())));
    if (!GradMode.is_enabled() || (parameters.isEmpty() && !h.requires_grad())) {
      return output(run(h, mask));
    }
    Tensor[] top;
    Tensor z;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      top = run(h.detach(), mask);
      z = output(top);
    }
    PointerScope owner = NestedScope.lasting();
    List<Tensor> inputs = new ArrayList<>();
    inputs.add(h);
    parameters.forEach(p -> inputs.add(p.view(1, -1))); // batch-first, as HookedBackward wants
    Tape tape = Tape.active();
    if (tape != null) { // per-sample gradients: an entry per layer, anchored by a leaf of its own
      for (Adapter adapter : adapters) {
        for (ReversibleLinear layer : adapter.layers()) {
          if (layer.weight().isTrainable() || layer.bias().orElseThrow().isTrainable()) {
            Tensor anchor = torch.zeros(h.size(0), 1, 1);
            anchor.requires_grad_(true);
            inputs.add(anchor);
            tape.anchor(anchor, anchor, Tape.AnchorKind.LEAF);
            tape.add(layer, anchor, null);
          }
        }
      }
    }
    boolean perSample = tape != null;
    HookedBackward.connect(z, inputs, null, owner,
        dz -> backward(top, dz, mask, h, inputs.size(), perSample, owner));
    return z;
  }

  /**
   * The stack's output from the last streams {@code (y2, y1)}: {@code y1 + G(y1)} with the last
   * block's adapter, which is {@code y1} at the start; without it the last adapter would act on
   * {@code y2} alone, which no output reads.
   */
  Tensor output(Tensor[] top) {
    return top[1].add(adapters.get(adapters.size() - 1).apply(top[1]));
  }

  /** The streams {@code (a, b)} after every block, from {@code (h, h)}. */
  private Tensor[] run(Tensor h, Tensor mask) {
    PointerScope outer = PointerScope.getInnerScope();
    Tensor[] state = {h, h};
    for (int i = 0; i < blocks.size(); i++) {
      int block = i;
      Tensor[] previous = state;
      state = carried(outer, () -> couple(block, previous[0], previous[1], mask));
      if (i > 0) {
        drop(outer, previous);
      }
    }
    return state;
  }

  /** Block {@code i}: {@code (x1, x2) -> (y2, y1)}. */
  Tensor[] couple(int i, Tensor x1, Tensor x2, Tensor mask) {
    Tensor y1 = blocks.get(i).forward(x2, mask).add(x1.sub(x2).mul(new Scalar(lambda)));
    return new Tensor[] {x2.add(adapters.get(i).apply(y1)), y1};
  }

  /** The inverse of {@link #couple}: {@code (y2, y1) -> (x1, x2)}. */
  Tensor[] invert(int i, Tensor y2, Tensor y1, Tensor mask) {
    Tensor x2 = y2.sub(adapters.get(i).apply(y1));
    Tensor x1 = x2.add(y1.sub(blocks.get(i).forward(x2, mask)).mul(new Scalar(1 / lambda)));
    return new Tensor[] {x1, x2};
  }

  /**
   * From {@code dL/dz} at the {@link #output} of the last streams {@code top}, block by block in
   * reverse: the inputs recomputed, the adapter's per-sample gradients kept in its layers, the
   * gradients passed on. Returns the gradients of the inputs {@link #forward} connected:
   * {@code h}, the trainable parameters (summed over the batch), then the anchors (none).
   */
  private Tensor[] backward(Tensor[] top, Tensor dz, Tensor mask,
      Tensor h, int inputCount, boolean perSample, PointerScope owner) {
    PointerScope outer = PointerScope.getInnerScope();
    // y2, y1, dL/dG(y1), dL/dy1: the last adapter's output gradient is dz, as in the output
    Tensor[] state = {top[0], top[1], dz, dz};
    for (int i = blocks.size() - 1; i >= 0; i--) {
      int block = i;
      Tensor[] after = state;
      state = carried(outer, () -> backwardOfBlock(block, after, mask, owner));
      if (i < blocks.size() - 1) {
        drop(outer, after);
      }
    }
    Tensor[] out = new Tensor[inputCount];
    out[0] = h.requires_grad() ? state[2].add(state[3]) : null;
    int k = 1;
    for (Adapter adapter : adapters) {
      for (ReversibleLinear layer : adapter.layers()) {
        List<Tensor> gradients = layer.perSampleGradients(!perSample);
        for (Tensor g : gradients) {
          out[k++] = g.sum(new long[] {0}, false, new ScalarTypeOptional()).view(1, -1);
        }
      }
    }
    return out;
  }

  /**
   * {@code (y2, y1, dL/dy2, dL/dy1)} of block {@code i} to the same of its inputs
   * {@code (x1, x2)}; of the last block, whose {@code y2} only its adapter's output reaches the
   * output through, the third is that output's gradient, which does not pass on to {@code x2}.
   */
  private Tensor[] backwardOfBlock(int i, Tensor[] after, Tensor mask, PointerScope owner) {
    Tensor y2 = after[0];
    Tensor y1 = after[1];
    Tensor dy2 = after[2];
    Tensor direct = i == blocks.size() - 1 ? torch.zeros_like(dy2) : dy2;
    Tensor[] x = invert(i, y2, y1, mask);
    Tensor dY1 = after[3].add(adapters.get(i).backward(y1, dy2, owner)); // all of dL/dy1
    Tensor blockGradient; // J_blockᵀ dY1 at x2, by autograd
    try (AutoGradMode on = new AutoGradMode(true)) {
      Tensor x2 = x[1].detach();
      x2.requires_grad_(true);
      Tensor out = blocks.get(i).forward(x2, mask);
      blockGradient = torch.grad(new TensorVector(out), new TensorVector(x2),
          new TensorVector(dY1), new BoolOptional(false), false, false).get()[0];
    }
    Tensor scaled = dY1.mul(new Scalar(lambda));
    return new Tensor[] {x[0], x[1], scaled, direct.add(blockGradient).sub(scaled)};
  }

  /** {@code body}'s tensors, owned by {@code outer}; all else it made is freed. */
  private static Tensor[] carried(PointerScope outer, java.util.function.Supplier<Tensor[]> body) {
    if (outer == null) {
      return body.get();
    }
    try (PointerScope local = new PointerScope()) {
      Tensor[] out = body.get();
      for (Tensor t : out) {
        outer.attach(t);
      }
      return out;
    }
  }

  /** Frees tensors that {@link #carried} gave {@code outer}. */
  private static void drop(PointerScope outer, Tensor[] tensors) {
    if (outer != null) {
      for (Tensor t : tensors) {
        outer.detach(t);
      }
    }
  }
}
