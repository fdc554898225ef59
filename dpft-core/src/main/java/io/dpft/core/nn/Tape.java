package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The per-step record of a forward pass that the DP engine needs to clip per sample without
 * per-example backward passes.
 *
 * <p>While a tape is active on the current thread ({@link #start()} until {@link #close()}), every
 * {@link DpLayer} call that has a trainable parameter appends an {@link Entry}, in forward order.
 * {@link #outputGradients(Tensor)} then asks autograd for every {@code g_k = dL/dz_k} in ONE
 * backward call ({@code torch.grad(L, [z_1..z_k])}); weights are never differentiated, so frozen
 * weights cost nothing and trainable ones are handled by book-keeping
 * (Bu et al., "Differentially Private Optimization on Large Model at Small Cost", ICML 2023, §3).
 * With the loss {@code L = Σ_i ℓ_i}, row {@code i} of {@code g_k} belongs to example {@code i} only.
 * So a {@link Linear} called while a tape records keeps no input for autograd (its product runs
 * on oneDNN, or in bfloat16 through autograd with no path to its weight; only its float32
 * fallback, {@code torch.linear}, has one, which backward leaves unused); ask the tape, not
 * autograd, for weight gradients.
 *
 * <p>The tape does not own its tensors: they belong to the {@code PointerScope} that was innermost
 * when the tape started (also when a layer ran in a {@link NestedScope}), so use the tape inside
 * that scope.
 */
public final class Tape implements AutoCloseable {
  private static final ThreadLocal<Tape> ACTIVE = new ThreadLocal<>();

  /**
   * One recorded layer call.
   *
   * <p>{@link #output()}: its output {@code z}: Linear/Embedding/LayerNorm {@code (B, T, d_out)}
   * (or any {@code (B, ..., d_out)}), Conv2d {@code (B, C_out, H', W')}; null when the tape's
   * {@link Listener} did not ask to keep it.
   *
   * <p>{@link #activation()}: what the weight's per-sample gradient needs, detached; null when the
   * weight is frozen. Linear: its input {@code (B, ..., d_in)}; Embedding: the int64 ids
   * {@code (B, ...)}; LayerNorm: the normalised input {@code x̂ = (x − μ)/σ}; Conv2d: its input
   * {@code (B, C_in, H, W)} ({@link Conv2d#unfold(Tensor)} gives the patches). An activation that
   * a function of each position made from a tensor kept anyway (an MLP's activation of the
   * previous layer's output, {@link #recomputable}; LayerNorm's x̂ of its input) is formed again
   * when asked for, not kept from the forward pass.
   */
  public static final class Entry {
    private final DpLayer layer;
    /** Owns what the entry keeps; null without an enclosing scope. */
    private final PointerScope owner;
    private final Tensor anchor;
    private final AnchorKind anchorKind;
    private Tensor output;
    private Tensor activation;
    private Recomputable source;

    private Entry(DpLayer layer, PointerScope owner, Tensor output, Anchor anchor,
        Tensor activation, Recomputable source) {
      this.layer = layer;
      this.owner = owner;
      this.output = output;
      this.anchor = anchor == null ? null : anchor.tensor();
      this.anchorKind = anchor == null ? AnchorKind.NONE : anchor.kind();
      this.activation = activation;
      this.source = source;
    }

    /** The layer that was called (a layer called twice has two entries). */
    public DpLayer layer() {
      return layer;
    }

    public Tensor output() {
      return output;
    }

    /**
     * A small tensor on the path from the call's input to its output, or null
     * ({@link #anchorKind()} says which): as an input of {@code torch.grad} it makes backward pass
     * through the output, at no more cost than the path's own. Without an anchor, only the output
     * itself or a parameter the call adds to it can make backward pass through the call, and a
     * bias as an input of {@code torch.grad} costs a reduction of the output gradient.
     */
    public Tensor anchor() {
      return anchor;
    }

    /** What {@link #anchor()} is, and so what its gradient holds. */
    public AnchorKind anchorKind() {
      return anchorKind;
    }

    /**
     * The activation; one that the tape forms again is formed at every call, in the caller's
     * scope, so that only the one in use takes memory (a per-sample gradient formed while backward
     * runs needs it once).
     */
    public Tensor activation() {
      if (activation == null && source != null) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
          return source.function().apply(source.input());
        }
      }
      return activation;
    }

    /**
     * The activation, formed at most once: one that the tape forms again is formed at the first
     * call and kept from then on in place of the tensor it is formed from, whose handle the entry
     * lets go. For a caller that needs it more than once after backward, when that handle was the
     * last one (the engine: for the norm, then for the clipped sum), so that holding it takes no
     * more memory than the tape held already; an MLP's activation of a (B, T, d_ff) pre-activation
     * is then formed once per step, not twice.
     */
    public Tensor keptActivation() {
      if (activation == null && source != null) {
        Tensor formed = activation();
        if (owner != null) {
          owner.attach(formed);
        }
        Tensor input = source.input();
        activation = formed;
        source = null;
        // the entry's own handle, whichever scopes hold it (their release is then a no-op)
        input.deallocate();
      }
      return activation;
    }

    public boolean hasActivation() {
      return activation != null || source != null;
    }

    /** The shape of {@link #activation()}, without forming it; null when there is none. */
    public long[] activationShape() {
      return activation != null ? activation.shape()
          : source != null ? source.input().shape() : null;
    }
  }

  /**
   * What an {@link Entry#anchor()} is: the engine reads its gradient by this, not by its shape.
   */
  public enum AnchorKind {
    /** No anchor: backward reaches the call only through its output or its parameters. */
    NONE,
    /**
     * The per-example path {@code HookedBackward} added to the output, (B, 1, …, 1): its gradient
     * is the output gradient summed over every axis but the batch's.
     */
    PATH,
    /**
     * The per-example path with the bias added along with it, (B, 1, …, d_out): its gradient is
     * the output gradient summed per example over the positions, the per-sample bias gradients.
     */
    PATH_WITH_BIAS,
    /**
     * A (B, 1, 1) leaf of the call's own that only makes backward run the computation that forms
     * the call's per-sample gradients ({@link ReversibleStack}); its gradient carries nothing.
     */
    LEAF
  }

  /** An anchor and its kind, from {@link #anchor} until the call that owns it is recorded. */
  private record Anchor(Tensor tensor, AnchorKind kind) {
    Anchor {
      if (tensor == null || kind == null || kind == AnchorKind.NONE) {
        throw new IllegalArgumentException(
            "an anchor needs a tensor and a kind other than NONE, got " + kind);
      }
    }
  }

  /**
   * {@code function(input)}, computed for each position on its own (element-wise, or over the
   * last axis): a tensor that can be formed again.
   */
  private record Recomputable(Tensor input, UnaryOperator<Tensor> function) {}

  /** Sees each entry as it is recorded (the DP engine registers its gradient hooks there). */
  public interface Listener {
    /**
     * @param index the entry's position in {@link #entries()}
     * @return whether the tape must keep {@code entry}'s output; when false the entry keeps a null
     *     output, and the output is freed with the scope the layer ran in
     */
    boolean recorded(int index, Entry entry);
  }

  private final List<Entry> entries = new ArrayList<>();
  /** By identity: tensors {@link #recomputable} describes that no entry has recorded yet. */
  private final Map<Tensor, Recomputable> recomputable = new IdentityHashMap<>();
  /** By identity: outputs {@link #anchor} gave an anchor that no entry has recorded yet. */
  private final Map<Tensor, Anchor> anchors = new IdentityHashMap<>();
  private final PointerScope scope = PointerScope.getInnerScope();
  private final Listener listener;
  private boolean open = true;

  private Tape(Listener listener) {
    this.listener = listener;
  }

  /**
   * Activates a new tape on this thread.
   *
   * @throws IllegalStateException if a tape is already active on this thread
   */
  public static Tape start() {
    return start(null);
  }

  /**
   * Activates a new tape on this thread that shows each entry to {@code listener} as it is recorded.
   *
   * @throws IllegalStateException if a tape is already active on this thread
   */
  public static Tape start(Listener listener) {
    if (ACTIVE.get() != null) {
      throw new IllegalStateException("a Tape is already active on this thread; close it first");
    }
    Tape tape = new Tape(listener);
    ACTIVE.set(tape);
    return tape;
  }

  /** The listener this tape was started with, or null. */
  public Listener listener() {
    return listener;
  }

  /** The tape active on this thread, or null. */
  static Tape active() {
    return ACTIVE.get();
  }

  /**
   * Notes that {@code result} is {@code function(input)}, element-wise: a layer that records
   * {@code result} as its activation keeps {@code input} instead (in an MLP, the previous layer's
   * output, which autograd keeps for the activation's backward anyway) and forms it again when
   * the engine asks: a (B, T, d_ff) tensor less per MLP from the forward pass to the end of the
   * step, for two element-wise passes after backward.
   */
  void recomputable(Tensor result, Tensor input, UnaryOperator<Tensor> function) {
    recomputable.put(result, new Recomputable(input, function));
  }

  /**
   * Notes that {@code anchor}, of kind {@code kind}, is an {@link Entry#anchor()} of
   * {@code output}, for the call that records {@code output} next.
   */
  void anchor(Tensor output, Tensor anchor, AnchorKind kind) {
    anchors.put(output, new Anchor(anchor, kind));
  }

  /** Records a call; {@code activation} as {@link Entry#activation()} describes, or null. */
  void add(DpLayer layer, Tensor output, Tensor activation) {
    Recomputable source = activation == null ? null : recomputable.remove(activation);
    add(layer, output, source == null ? activation : null, source);
  }

  /**
   * Records a call whose activation is {@code function(input)}, formed again when asked for
   * rather than kept: LayerNorm's x̂ from its input x, which autograd keeps anyway.
   */
  void addFormedAgain(DpLayer layer, Tensor output, Tensor input, UnaryOperator<Tensor> function) {
    add(layer, output, null, new Recomputable(input, function));
  }

  private void add(DpLayer layer, Tensor output, Tensor activation, Recomputable source) {
    Entry entry = new Entry(layer, scope, output, anchors.remove(output),
        activation == null ? null : activation.detach(),
        source == null ? null : new Recomputable(source.input().detach(), source.function()));
    boolean keepOutput = listener == null || listener.recorded(entries.size(), entry);
    if (!keepOutput) {
      entry.output = null;
    }
    if (scope != null) { // outlive the NestedScope the layer may have been called in
      if (keepOutput) {
        scope.attach(output);
      }
      if (entry.anchor != null) {
        scope.attach(entry.anchor);
      }
      if (entry.activation != null) {
        scope.attach(entry.activation);
      }
      if (entry.source != null) {
        scope.attach(entry.source.input());
      }
    }
    entries.add(entry);
  }

  /** The recorded calls in forward order. */
  public List<Entry> entries() {
    return Collections.unmodifiableList(entries);
  }

  /**
   * {@code dL/dz} for every entry, in entry order, from one backward pass. An output that does not
   * reach the loss gets zeros. The autograd graph is freed afterwards.
   *
   * @param loss a scalar, normally the per-sample losses summed (not averaged)
   */
  public List<Tensor> outputGradients(Tensor loss) {
    if (loss.numel() != 1) {
      throw new IllegalArgumentException(
          "loss must be a scalar (sum the per-sample losses), got shape "
              + Arrays.toString(loss.shape()));
    }
    if (entries.isEmpty()) {
      return List.of();
    }
    if (listener != null) {
      throw new IllegalStateException("this tape's listener took the outputs: a tape for "
          + "outputGradients must be started without one");
    }
    Tensor[] outputs = entries.stream().map(Entry::output).toArray(Tensor[]::new);
    TensorVector grads = torch.grad(new TensorVector(loss), new TensorVector(outputs),
        new TensorVector(), new BoolOptional(false), false, true);
    Tensor[] g = grads.get();
    List<Tensor> out = new ArrayList<>(g.length);
    for (int k = 0; k < g.length; k++) {
      out.add(g[k].defined() ? g[k] : torch.zeros_like(outputs[k]));
    }
    return out;
  }

  /** Stops recording on this thread; the entries stay readable. Idempotent. */
  @Override
  public void close() {
    if (open) {
      open = false;
      recomputable.clear();
      anchors.clear();
      ACTIVE.remove();
    }
  }
}
