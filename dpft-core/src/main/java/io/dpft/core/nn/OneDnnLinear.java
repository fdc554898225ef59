package io.dpft.core.nn;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code z = act(a Wᵀ + b)} through oneDNN instead of torch's BLAS, for float32 input on the CPU.
 *
 * <p>libtorch sends float32 {@code linear}/{@code mm} to its BLAS (OpenBLAS here); oneDNN keeps
 * {@code W} packed in its blocked layout, which is faster for the products that autograd does not
 * differentiate in {@code W}, and much faster where OpenBLAS is pinned to older kernels
 * (docs/performance.md has the measurements). Two paths:
 *
 * <ul>
 *   <li>without autograd, {@code mkldnn::_linear_pointwise} (the op behind Inductor's CPU linear
 *       fusion, called through the dispatcher): dense input and output, an optional fused
 *       activation, and {@code W} packed once by {@code mkldnn::_reorder_linear_weight} into
 *       oneDNN's blocked layout (faster than the plain weight); the packed copy is kept
 *       until {@code W} changes (its version counter) or this object is closed;
 *   <li>with autograd but no weight gradient from it (a frozen {@code W}, as in BiTFiT and LoRA's
 *       base weight, or a DP step, whose weight gradients the engine forms itself from the tape),
 *       the same product without autograd, made differentiable in {@code a} and {@code b} by
 *       {@link HookedBackward}: nothing of {@code a} is kept for autograd, and
 *       {@code dL/da = (dL/dz) W} runs on oneDNN too (against a packed {@code Wᵀ}; both packed
 *       copies are kept for a frozen {@code W}, made per call for a trainable one). libtorch's one
 *       differentiable oneDNN linear, {@code mkldnn_linear}, would keep a oneDNN copy of {@code a}
 *       for a weight gradient nobody asks for, and DP-BiTFiT must store no activations for frozen
 *       weights.
 * </ul>
 *
 * A float32 weight gradient from autograd (non-DP full fine-tuning) is left to
 * {@code torch.linear}:
 * {@code mkldnn_linear} converts {@code a} and {@code z} to and from oneDNN's layout, reorders
 * {@code W} on every call and keeps the converted {@code a}, so it is slower and larger than BLAS
 * there. Everything else (other dtypes and devices, a non-contiguous weight, a
 * fused activation under autograd, libtorch without oneDNN) returns null and the caller uses
 * {@code torch.linear} too.
 *
 * <p>With {@link Precision#BF16}, every product multiplies in bfloat16 on both paths: the input
 * (in backward, {@code dL/dz}) is cast to bfloat16, {@code W} is used as a bfloat16 copy (packed
 * when oneDNN takes bfloat16 on this CPU, else plain, multiplied by {@code torch.linear}),
 * oneDNN and libtorch accumulate in float32, and the product is cast back to float32 before the
 * bias and the activation are applied. A frozen {@code W}'s copies are kept; a trainable one's
 * are made per call, from its float32 master value. A DP step's per-sample gradients stay
 * float32 arithmetic: the engine forms them from this layer's float32 input and float32 output
 * gradient, never from these products, so a per-sample norm and the clipped sum are formed from
 * the same float32 tensors. A trainable {@code W} whose gradient autograd forms (non-private
 * training) is differentiated by autograd through the bfloat16 product, as mixed-precision
 * training does (its gradient is rounded to bfloat16, then cast to float32), and so is a call
 * without a scope for the hooks, or a head wider than its input, with no path to {@code W}
 * there.
 */
final class OneDnnLinear implements AutoCloseable {
  private static final Ops OPS = Ops.find();
  /**
   * Whether oneDNN multiplies bfloat16 on this CPU: libtorch refuses it without AVX-512 (or
   * AVX-NE-CONVERT), and then {@code torch.linear} does.
   */
  private static final boolean BF16_ON_ONEDNN = OPS != null && OPS.multipliesBfloat16();

  private final PackedWeight packed = new PackedWeight(false);
  private final PackedWeight packedTransposed = new PackedWeight(true);

  /**
   * {@code act(a Wᵀ + b)} through oneDNN, or null when it does not apply.
   *
   * @param a input {@code (..., d_in)}
   * @param w weight {@code [d_out, d_in]}
   * @param b bias {@code [d_out]} or null
   * @param activation fused activation, or null; only without autograd, else the call returns null
   * @param weightGradient whether autograd may be asked for the gradient of a trainable {@code w};
   *     when false, {@code w} is treated as frozen
   * @param precision the product's precision
   */
  Tensor forward(Tensor a, Tensor w, Tensor b, Activation activation, boolean weightGradient,
      Precision precision) {
    // a native enum result is a new Java object: intern() it before comparing
    if (a.dim() < 2 || a.scalar_type().intern() != torch.ScalarType.Float
        || !a.device().is_cpu() || w.scalar_type().intern() != torch.ScalarType.Float) {
      return null;
    }
    if (precision == Precision.FP32 && (OPS == null || !w.is_contiguous())) {
      return null;
    }
    boolean autograd = GradMode.is_enabled()
        && (a.requires_grad() || w.requires_grad() || (b != null && b.requires_grad()));
    long rows = a.numel() / a.size(-1);
    if (!autograd) {
      if (precision == Precision.FP32) {
        return OPS.linear(a.contiguous(), packed.of(w, rows, true, precision), b, activation);
      }
      return NestedScope.result(() -> {
        Tensor z = product(a, packed.of(w, rows, true, precision), precision);
        if (b != null) {
          z.add_(b);
        }
        return activation == null ? z : activation.apply(z);
      });
    }
    if (activation != null) {
      return null;
    }
    if (!w.requires_grad() || !weightGradient) {
      return withoutWeightGradient(a, w, b, rows, precision);
    }
    return precision == Precision.FP32 ? null : byAutograd(a, w, b, true);
  }

  /**
   * {@code a Wᵀ + b}, differentiable in {@code a} and {@code b} but not in {@code W}. When no
   * scope is open to own the backward hooks, or when {@code W} has more rows than {@code a} (a
   * language-model head over a large vocabulary), whose two packed copies would outweigh the
   * input: null in float32 ({@code torch.linear} keeps nothing for a frozen weight either), in
   * bfloat16 {@link #byAutograd}.
   */
  private Tensor withoutWeightGradient(
      Tensor a, Tensor w, Tensor b, long rows, Precision precision) {
    PointerScope lasting = NestedScope.lasting();
    if (lasting == null || rows < w.size(0)) {
      return precision == Precision.FP32 ? null : byAutograd(a, w, b, false);
    }
    // a trainable W changes every step, so its packed copies are used once: packed here and in
    // backward, freed with the call (kept, a step's forward would hold every layer's packed W
    // and last step's packed Wᵀ at its memory peak)
    boolean constant = !w.requires_grad();
    Tensor z;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      z = NestedScope.result(() -> product(a, packed.of(w, rows, constant, precision), precision));
    }
    // oneDNN's 3-D result is a view made without grad, which autograd forbids changing in place
    z = z.detach();
    if (a.requires_grad()) {
      long version = w._version();
      // b is added with the link: one pass over z
      Tensor path = HookedBackward.connect(z, List.of(a), b, lasting, g -> {
        if (w._version() != version) {
          throw new IllegalStateException("a weight used in the forward pass was changed in place "
              + "before backward (an optimizer step between them?); run backward first");
        }
        if (GradMode.is_enabled()) { // create_graph: a differentiable gradient
          return new Tensor[] {torch.matmul(g, w)};
        }
        return new Tensor[] {
            product(g, packedTransposed.of(w, rows, constant, precision), precision)};
      });
      Tape tape = Tape.active();
      if (tape != null) {
        tape.anchor(z, path,
            b == null ? Tape.AnchorKind.PATH : Tape.AnchorKind.PATH_WITH_BIAS);
      }
      return z;
    }
    if (b != null) {
      z.add_(b);
    }
    return reachable(z, w);
  }

  /**
   * {@code z}, made a leaf that requires grad when {@code W} is trainable but nothing else made
   * {@code z} differentiable (a first layer, whose input needs no gradient), so that backward
   * still reaches it, for the DP engine's {@code dL/dz}.
   */
  private static Tensor reachable(Tensor z, Tensor w) {
    if (w.requires_grad() && !z.requires_grad()) {
      z.requires_grad_(true);
    }
    return z;
  }

  /**
   * {@code x Wᵀ} in {@code precision}, float32 in and out, with {@code W} as {@link PackedWeight}
   * made it for that precision.
   */
  private static Tensor product(Tensor x, Tensor weight, Precision precision) {
    if (precision == Precision.FP32) {
      return OPS.linear(x.contiguous(), weight, null, null);
    }
    Tensor low = x.to(torch.ScalarType.BFloat16).contiguous();
    Tensor z = BF16_ON_ONEDNN
        ? OPS.linear(low, weight, null, null)
        : torch.linear(low, weight, new TensorOptional());
    return z.to(torch.ScalarType.Float);
  }

  /**
   * {@code a Wᵀ + b} with the product in bfloat16, differentiated by autograd; {@code W} is cast
   * for this call only. With {@code weightGradient}, autograd keeps the bfloat16 {@code a} for
   * {@code W}'s gradient, which reaches {@code W} as float32 through the cast; without, autograd
   * gets no path to {@code W} and keeps nothing of {@code a} ({@link #reachable}).
   */
  private static Tensor byAutograd(Tensor a, Tensor w, Tensor b, boolean weightGradient) {
    Tensor weight = weightGradient ? w : w.detach();
    Tensor product = NestedScope.result(() -> torch.linear(a.to(torch.ScalarType.BFloat16),
        weight.to(torch.ScalarType.BFloat16), new TensorOptional()).to(torch.ScalarType.Float));
    return reachable(b == null ? product : product.add(b), w);
  }

  /** Releases the packed weights; the next call packs again. Idempotent. */
  @Override
  public void close() {
    packed.close();
    packedTransposed.close();
  }

  /**
   * {@code W} or {@code Wᵀ} in oneDNN's layout (in bfloat16 for {@link Precision#BF16}, plain
   * where oneDNN does not take it), kept from when it is first needed until W changes, or made for
   * one call.
   */
  private static final class PackedWeight implements AutoCloseable {
    private final boolean transposed;
    private Tensor tensor;
    private long version;
    private Precision precision;

    PackedWeight(boolean transposed) {
      this.transposed = transposed;
    }

    /**
     * {@code w} (or its transpose) packed for {@code rows} rows in {@code precision}: the kept copy
     * when {@code keep}, else a new one in the caller's scope (and a kept copy, stale once w is
     * trained, released).
     */
    synchronized Tensor of(Tensor w, long rows, boolean keep, Precision precision) {
      if (!keep) {
        close();
        try (NoGradGuard noGrad = new NoGradGuard()) {
          return pack(w, rows, precision);
        }
      }
      if (tensor == null || version != w._version() || this.precision != precision) {
        close();
        try (PointerScope local = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
          tensor = pack(w, rows, precision);
          tensor.retainReference(); // outlives the caller's PointerScope
        }
        version = w._version();
        this.precision = precision;
      }
      return tensor;
    }

    private Tensor pack(Tensor w, long rows, Precision precision) {
      // oneDNN's reorder reads the transposed view as it is: no contiguous copy of Wᵀ first
      Tensor source = transposed ? w.t() : w;
      if (precision == Precision.FP32) {
        return OPS.pack(source, rows);
      }
      Tensor low = source.to(torch.ScalarType.BFloat16);
      return BF16_ON_ONEDNN ? OPS.pack(low, rows) : low;
    }

    @Override
    public synchronized void close() {
      if (tensor != null) {
        tensor.releaseReference();
        tensor = null;
      }
    }
  }

  /** The boxed oneDNN ops and the element type of {@code _linear_pointwise}'s scalar list. */
  private record Ops(OperatorHandle linear, OperatorHandle pack, Type.TypePtr scalarType) {
    static Ops find() {
      if (!torch.hasMKLDNN()) {
        return null;
      }
      try {
        Dispatcher dispatcher = Dispatcher.singleton();
        // _linear_pointwise(Tensor X, Tensor W, Tensor? B, str attr, Scalar?[] scalars, str? algorithm)
        OperatorHandle linear = dispatcher.findSchemaOrThrow("mkldnn::_linear_pointwise", "");
        // _reorder_linear_weight(Tensor self, int? batch_size=None)
        OperatorHandle pack = dispatcher.findSchemaOrThrow("mkldnn::_reorder_linear_weight", "");
        Type.TypePtr scalarType = linear.schema().arguments().getPointer(4).type().get()
            .containedType(0);
        // static for the JVM's lifetime: keep them out of any PointerScope open right now
        linear.retainReference();
        pack.retainReference();
        scalarType.retainReference();
        return new Ops(linear, pack, scalarType);
      } catch (RuntimeException e) {
        return null; // a libtorch build without these ops: BLAS it is
      }
    }

    Tensor linear(Tensor a, Tensor w, Tensor b, Activation activation) {
      String attr = activation == null ? "none" : activation.oneDnnName();
      String algorithmName = activation == null ? null : activation.oneDnnAlgorithm();
      IValue algorithm = algorithmName == null ? new IValue() : new IValue(algorithmName);
      return call(linear, new IValue(a), new IValue(w), b == null ? new IValue() : new IValue(b),
          new IValue(attr), new IValue(new GenericList(scalarType)), algorithm);
    }

    Tensor pack(Tensor w, long rows) {
      return call(pack, new IValue(w), new IValue(rows));
    }

    /** Whether a bfloat16 weight packs and multiplies. */
    boolean multipliesBfloat16() {
      try (PointerScope scope = new PointerScope()) {
        Tensor one = torch.ones(new long[] {1, 1}).to(torch.ScalarType.BFloat16);
        linear(one, pack(one, 1), null, null);
        return true;
      } catch (RuntimeException e) {
        return false; // libtorch's check of the CPU's instructions
      }
    }

    private static Tensor call(OperatorHandle op, IValue... arguments) {
      return BoxedOps.call(op, 1, arguments)[0];
    }
  }
}
