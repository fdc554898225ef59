package io.dpft.core.nn;

import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code z = act(a Wᵀ + b)} through oneDNN instead of torch's BLAS, for float32 on the CPU.
 *
 * <p>libtorch sends float32 {@code linear}/{@code mm} to its BLAS (OpenBLAS here), whose runtime
 * CPU detection can fall back to AVX2 kernels (this machine's environment also pins
 * {@code OPENBLAS_CORETYPE=Haswell} on its AMD Zen 5), while oneDNN picks AVX-512 kernels itself: measured 2–3× faster on the
 * BERT-sized GEMMs. Two oneDNN entry points:
 *
 * <ul>
 *   <li>without autograd, {@code mkldnn::_linear_pointwise} (the op behind Inductor's CPU linear
 *       fusion, called through the dispatcher): dense input and output, an optional fused
 *       activation, and {@code W} packed once by {@code mkldnn::_reorder_linear_weight} into
 *       oneDNN's blocked layout (1.1–1.6× faster than the plain weight); the packed copy is kept
 *       until {@code W} changes (its version counter) or this object is closed;
 *   <li>with autograd and a trainable {@code W}, {@code to_dense(mkldnn_linear(to_mkldnn(a), W,
 *       b))}, which has derivatives for {@code a}, {@code W} and {@code b}; it reorders {@code W}
 *       on every call and converts {@code a} and {@code z}, so it pays off only for many rows
 *       ({@link #MIN_AUTOGRAD_ROWS}). A frozen {@code W} (BiTFiT) stays with {@code torch.linear}:
 *       {@code mkldnn_linear} would keep {@code a} for a weight gradient nobody needs (measured on
 *       MiniLM, batch 32 × 128: DP-BiTFiT peak RSS 3.15 GB through oneDNN, 2.36 GB without, at
 *       the same speed), and DP-BiTFiT must store no activations for frozen weights.
 * </ul>
 *
 * Everything else (other dtypes and devices, a non-contiguous weight, libtorch without oneDNN)
 * returns null and the caller uses {@code torch.linear}.
 */
final class OneDnnLinear implements AutoCloseable {
  /**
   * Fewest rows {@code a.numel() / d_in} for the autograd path: its per-call weight reorder costs
   * about as much as a GEMM with a few hundred rows (measured: slower than BLAS at 512 rows of
   * GPT-2's 768 × 50257 head, 3× faster at 4096 rows of 384 × 384).
   */
  static final long MIN_AUTOGRAD_ROWS = 1024;

  private static final Ops OPS = Ops.find();

  private Tensor packed;
  private long packedVersion;

  /**
   * {@code act(a Wᵀ + b)} through oneDNN, or null when it does not apply.
   *
   * @param a input {@code (..., d_in)}
   * @param w weight {@code [d_out, d_in]}
   * @param b bias {@code [d_out]} or null
   * @param activation fused activation, or null; only without autograd, else the call returns null
   */
  Tensor forward(Tensor a, Tensor w, Tensor b, Activation activation) {
    // a native enum result is a new Java object: intern() it before comparing
    if (OPS == null || a.dim() < 2 || a.scalar_type().intern() != torch.ScalarType.Float
        || !a.device().is_cpu() || w.scalar_type().intern() != torch.ScalarType.Float
        || !w.is_contiguous()) {
      return null;
    }
    boolean autograd = GradMode.is_enabled()
        && (a.requires_grad() || w.requires_grad() || (b != null && b.requires_grad()));
    long rows = a.numel() / a.size(-1);
    if (!autograd) {
      return OPS.linear(a.contiguous(), packed(w, rows), b, activation);
    }
    if (activation != null || rows < MIN_AUTOGRAD_ROWS || !w.requires_grad()) {
      return null;
    }
    TensorOptional bias = b == null ? new TensorOptional() : new TensorOptional(b);
    return torch.mkldnn_linear(a.contiguous().to_mkldnn(), w, bias).to_dense();
  }

  /** {@code w} in oneDNN's layout, packed for {@code rows} rows when first needed or changed. */
  private synchronized Tensor packed(Tensor w, long rows) {
    if (packed == null || packedVersion != w._version()) {
      close();
      packed = OPS.pack(w, rows).retainReference(); // outlives the caller's PointerScope
      packedVersion = w._version();
    }
    return packed;
  }

  /** Releases the packed weight; the next call packs again. Idempotent. */
  @Override
  public synchronized void close() {
    if (packed != null) {
      packed.releaseReference();
      packed = null;
    }
  }

  /** The boxed oneDNN ops and the element type of {@code _linear_pointwise}'s scalar list. */
  private record Ops(Dispatcher dispatcher, OperatorHandle linear, OperatorHandle pack,
      Type.TypePtr scalarType) {
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
        return new Ops(dispatcher, linear, pack, scalarType);
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

    private Tensor call(OperatorHandle op, IValue... arguments) {
      IValueVector stack = new IValueVector(arguments);
      dispatcher.callBoxed(op, stack);
      // toTensor() points into the stack: copy the handle so the result owns its tensor
      return new Tensor(stack.get(0).toTensor());
    }
  }
}
