package io.dpft.core.nn;

import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Frees a forward pass's intermediate tensors as soon as the Java code is done with them.
 *
 * <p>Every tensor a step creates belongs to the step's {@code PointerScope} and so lives until the
 * step ends, whether autograd still needs it or not: the sum before a LayerNorm, the GELU output a
 * frozen weight multiplies, the (B, h, T, T) attention scores and dropout draws. Autograd holds its
 * own references to what backward needs, so the Java handles can go early: {@link #result} runs a
 * computation in a scope of its own and hands only the result on to the enclosing scope. Tensors
 * the {@link Tape} records are attached to the tape's scope, so they stay; so are objects that
 * backward calls back ({@link #lasting}).
 */
final class NestedScope {
  /** The scope that encloses the outermost {@link #result} running on this thread. */
  private static final ThreadLocal<PointerScope> BASE = new ThreadLocal<>();

  private NestedScope() {}

  /**
   * {@code body}'s result, owned by the scope that was innermost when this was called; everything
   * else {@code body} created is released on return. Without an enclosing scope, {@code body} runs
   * as is. The result must be a tensor {@code body} created, not an in-place op's return value
   * (that is a second handle on the same native tensor; see docs/libtorch-java.md).
   */
  static Tensor result(Supplier<Tensor> body) {
    PointerScope outer = PointerScope.getInnerScope();
    if (outer == null) {
      return body.get();
    }
    boolean outermost = BASE.get() == null;
    if (outermost) {
      BASE.set(outer);
    }
    try (PointerScope local = new PointerScope()) {
      Tensor result = body.get();
      outer.attach(result);
      return result;
    } finally {
      if (outermost) {
        BASE.remove();
      }
    }
  }

  /**
   * The scope for what must outlive every nested scope now running, such as a tensor hook's
   * callback, which backward calls after the forward pass has returned: the scope enclosing the
   * outermost {@link #result} on this thread, else the innermost scope; null without any.
   */
  static PointerScope lasting() {
    PointerScope base = BASE.get();
    return base != null ? base : PointerScope.getInnerScope();
  }

  /** A handle of its own on {@code t}'s tensor, owned by {@code scope} too (closed early). */
  static Tensor own(Tensor t, PointerScope scope) {
    Tensor own = new Tensor(t);
    scope.attach(own);
    return own;
  }
}
