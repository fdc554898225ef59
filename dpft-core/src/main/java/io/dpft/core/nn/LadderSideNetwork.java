package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A ladder side network (Sung et al., "LST: Ladder Side-Tuning for Parameter and Memory Efficient
 * Transfer Learning", NeurIPS 2022; under DP the side-network design of DP-MemArc, Liu et al.
 * 2024): a narrow transformer of width {@code d_s = d / reduction} beside a frozen backbone, one
 * side block per backbone block. Only the side network (and a task head) trains, and the backbone
 * runs without autograd ({@link #backbone}), so backward never enters it and training keeps the
 * side network's activations plus one forward pass of the backbone.
 *
 * <pre>
 * s_0     = down_0(h_0)                                   h_0: the backbone's embeddings (B, T, d)
 * s_i     = gate_i(down_i(h_i), block_i(s_{i−1}))         h_i: backbone block i's output, i = 1..N
 *         = μ_i·down_i(h_i) + (1 − μ_i)·block_i(s_{i−1}),  μ_i = sigmoid(α_i / T)
 * output  = up(s_N)                                       (B, T, d), added to the backbone's output
 * </pre>
 *
 * <p>Every projection is a fresh {@link Linear} (N(0, 0.02²)), the side blocks are fresh
 * {@link TransformerBlock}s shaped as the backbone's (same norm placement, activation, dropout),
 * and {@code up} starts at zero: the model starts as exactly the pretrained one, so training
 * starts from the linear probe's features and the side network learns a correction to them.
 * Parameters: {@code side.down.{0..N}}, {@code side.layer.{0..N−1}}, {@code side.gate.{0..N−1}.alpha},
 * {@code side.up}.
 */
public final class LadderSideNetwork extends Module {
  /** The name under which a model registers its side network: its parameters start {@code side.}. */
  public static final String NAME = "side";

  /** The default ratio d / d_s (LST's reduction factor). */
  public static final int DEFAULT_REDUCTION = 8;

  /** A backbone that can carry a side network. */
  public interface Host {
    /**
     * Adds a fresh side network of width {@code d / reduction} under {@link #NAME}, through which
     * the model's forward pass runs from then on.
     *
     * @throws IllegalArgumentException if {@code reduction} is not a divisor of d in [1, d]
     * @throws IllegalStateException if the model already has one
     */
    void attachSideNetwork(int reduction);
  }

  private final List<Linear> down = new ArrayList<>();
  private final List<TransformerBlock> blocks = new ArrayList<>();
  private final List<LadderGate> gates = new ArrayList<>();
  private final Linear up;

  /**
   * A side network for {@code layers} backbone blocks shaped by {@code backbone}.
   *
   * @param names where each side block files its sub-layers (the backbone's own names)
   */
  public LadderSideNetwork(
      TransformerBlock.Config backbone, TransformerBlock.Names names, int layers, int reduction) {
    Init.positive("layers", layers);
    TransformerBlock.Config side = sideBlock(backbone, reduction);
    int d = backbone.hiddenSize();
    int ds = side.hiddenSize();
    for (int i = 0; i <= layers; i++) {
      down.add(registerModule("down." + i, new Linear(d, ds, true)));
    }
    for (int i = 0; i < layers; i++) {
      blocks.add(registerModule("layer." + i, new TransformerBlock(side, names)));
      gates.add(registerModule("gate." + i, new LadderGate()));
    }
    up = registerModule("up", new Linear(Parameter.filled(ParameterKind.WEIGHT, 0, d, ds),
        Parameter.filled(ParameterKind.BIAS, 0, d), WeightLayout.OUT_IN));
  }

  /**
   * The side block of width {@code d_s = d / reduction}: the backbone's head width
   * {@code d / heads} kept where it fits, i.e. {@code max(1, d_s / (d / heads))} heads, lowered
   * until the count divides {@code d_s} (BERT-base at reduction 8: one head of 96), and an MLP
   * {@code reduction} times narrower.
   *
   * @throws IllegalArgumentException if {@code reduction} is not a divisor of d in [1, d]
   */
  static TransformerBlock.Config sideBlock(TransformerBlock.Config backbone, int reduction) {
    int d = backbone.hiddenSize();
    if (reduction < 1 || reduction > d || d % reduction != 0) {
      throw new IllegalArgumentException("side reduction must divide the hidden size " + d
          + " (the side network is d / reduction wide), got " + reduction);
    }
    int ds = d / reduction;
    int heads = Math.max(1, ds / (d / backbone.numHeads()));
    while (ds % heads != 0) {
      heads--;
    }
    return new TransformerBlock.Config(ds, heads,
        Math.max(1, backbone.intermediateSize() / reduction), backbone.activation(),
        backbone.hiddenDropout(), backbone.attentionDropout(), backbone.layerNormEps(),
        backbone.placement(), backbone.qkvProjection(), backbone.layout());
  }

  /** {@code s_0 = down_0(h_0)} from the backbone's embeddings {@code (B, T, d) -> (B, T, d_s)}. */
  public Tensor start(Tensor embeddings) {
    return down.get(0).forward(embeddings);
  }

  /**
   * {@code s_{i+1} = gate_i(down_{i+1}(h_{i+1}), block_i(s_i))}, {@code (B, T, d_s)}.
   *
   * @param layer the backbone block i whose output is {@code hidden}
   * @param mask the backbone's additive attention mask, or null
   * @param cache the side block's {@link KeyValueCache} layer (incremental decoding), or null
   */
  public Tensor step(
      int layer, Tensor hidden, Tensor side, Tensor mask, KeyValueCache.Layer cache) {
    Tensor ladder = down.get(layer + 1).forward(hidden);
    return gates.get(layer).forward(ladder, blocks.get(layer).forward(side, mask, cache));
  }

  /** {@code up(s_N)}: the side network's output in the backbone's width, {@code (B, T, d)}. */
  public Tensor output(Tensor side) {
    return up.forward(side);
  }

  /**
   * Runs part of a backbone: without autograd when {@code frozen} (nothing of it is kept for
   * backward, and its outputs require no gradient), else as is.
   */
  public static Tensor backbone(boolean frozen, Supplier<Tensor> part) {
    if (!frozen) {
      return part.get();
    }
    try (NoGradGuard noGrad = new NoGradGuard()) {
      return part.get();
    }
  }

  /**
   * Whether no parameter of {@code parts} trains, so that the backbone is a fixed feature
   * extractor; if so, puts it in eval mode, as a linear probe's encoder: it then runs without
   * dropout and without autograd ({@link #backbone}), and its attention takes libtorch's fused
   * kernel, which forms no (B, heads, T, T) matrix.
   */
  public static boolean fixedBackbone(List<? extends Module> parts) {
    boolean frozen = parts.stream()
        .flatMap(m -> m.parameters().values().stream())
        .noneMatch(Parameter::isTrainable);
    if (frozen) {
      parts.forEach(Module::eval);
    }
    return frozen;
  }
}
