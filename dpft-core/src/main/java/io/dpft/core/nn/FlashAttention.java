package io.dpft.core.nn;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code softmax(q kᵀ/√d_h + mask) v} by libtorch's CPU flash-attention kernel, forward and
 * backward, each with OpenBLAS on one thread ({@link OpenBlasThreads}: the kernel calls BLAS from
 * its OpenMP threads). {@code scaled_dot_product_attention} picks the same kernel on the CPU
 * without dropout, but its backward runs inside autograd, where nothing can set OpenBLAS's
 * threads around it; here the forward runs without autograd and {@link HookedBackward} calls the
 * kernel's backward, keeping what autograd would keep (q, k, v, the mask, the output and each
 * row's log-sum-exp) and nothing of size T².
 */
final class FlashAttention {
  private static final Ops OPS = Ops.find();

  private FlashAttention() {}

  /**
   * The attention of {@code q, k, v} (B, h, T, d_h) under an additive {@code mask} broadcastable
   * to (B, h, T, T_k), or null: {@code scaled_dot_product_attention} then, its forward with one
   * OpenBLAS thread.
   */
  static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor mask) {
    PointerScope lasting = NestedScope.lasting();
    boolean differentiable = GradMode.is_enabled()
        && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    if (OPS == null || !differentiable || lasting == null || !q.device().is_cpu()) {
      return null;
    }
    Tensor[] outputs;
    try (NoGradGuard noGrad = new NoGradGuard()) {
      outputs = OpenBlasThreads.oneThread(() -> OPS.forward(q, k, v, mask));
    }
    // the kernel's result is a view made without grad, which autograd forbids changing in place
    Tensor out = outputs[0].detach();
    Tensor[] saved = new Tensor[6];
    Tensor[] kept = {q, k, v, mask, out, outputs[1]};
    for (int i = 0; i < kept.length; i++) {
      saved[i] = kept[i] == null ? null : NestedScope.own(kept[i], lasting);
    }
    HookedBackward.connect(out, List.of(q, k, v), null, lasting, g -> {
      if (GradMode.is_enabled()) {
        throw new UnsupportedOperationException("create_graph through attention without dropout"
            + " is not supported: libtorch's flash-attention backward is not differentiable");
      }
      Tensor[] gradients = OpenBlasThreads.oneThread(() -> OPS.backward(g, saved));
      for (Tensor t : saved) {
        if (t != null) {
          t.close();
        }
      }
      return gradients;
    });
    return out;
  }

  /** The kernel's boxed forward and backward ops. */
  private record Ops(OperatorHandle forward, OperatorHandle backward) {
    static Ops find() {
      try {
        Dispatcher dispatcher = Dispatcher.singleton();
        // (Tensor query, Tensor key, Tensor value, float dropout_p=0.0, bool is_causal=False, *,
        //  Tensor? attn_mask=None, float? scale=None) -> (Tensor output, Tensor logsumexp)
        OperatorHandle forward = dispatcher.findSchemaOrThrow(
            "aten::_scaled_dot_product_flash_attention_for_cpu", "");
        // (Tensor grad_out, Tensor query, Tensor key, Tensor value, Tensor out, Tensor logsumexp,
        //  float dropout_p, bool is_causal, *, Tensor? attn_mask=None, float? scale=None)
        //  -> (Tensor grad_query, Tensor grad_key, Tensor grad_value)
        OperatorHandle backward = dispatcher.findSchemaOrThrow(
            "aten::_scaled_dot_product_flash_attention_for_cpu_backward", "");
        // static for the JVM's lifetime: keep them out of any PointerScope open right now
        forward.retainReference();
        backward.retainReference();
        return new Ops(forward, backward);
      } catch (RuntimeException e) {
        return null; // a libtorch build without the kernel: scaled_dot_product_attention it is
      }
    }

    /** {output, logsumexp}. */
    Tensor[] forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
      return BoxedOps.call(forward, 2, new IValue(q), new IValue(k), new IValue(v), new IValue(0.0),
          new IValue(false), mask == null ? new IValue() : new IValue(mask), new IValue());
    }

    /** {dq, dk, dv} from {@code g} and the forward's {q, k, v, mask, output, logsumexp}. */
    Tensor[] backward(Tensor g, Tensor[] saved) {
      return BoxedOps.call(backward, 3, new IValue(g.contiguous()), new IValue(saved[0]),
          new IValue(saved[1]), new IValue(saved[2]), new IValue(saved[4]), new IValue(saved[5]),
          new IValue(0.0), new IValue(false),
          saved[3] == null ? new IValue() : new IValue(saved[3]), new IValue());
    }
  }
}
