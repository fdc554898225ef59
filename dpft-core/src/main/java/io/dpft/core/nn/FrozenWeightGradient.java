package io.dpft.core.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.VoidTensorHook;

/**
 * Makes {@code z = a Wᵀ}, computed without autograd, differentiable in {@code a}, for a frozen
 * {@code W}: backward gives {@code a} the gradient {@code (dL/dz) W} from a function the caller
 * supplies (a oneDNN product), and nothing of {@code a} is kept for it.
 *
 * <p>Bytedeco's libtorch has no custom autograd functions, so two tensor hooks stand in for one.
 * {@code z} gets {@code 0 · Σ_j a_j} added in place: its value does not change (for finite
 * {@code a}; with an infinite or NaN entry of {@code a}, {@code a Wᵀ} would not be finite either),
 * but autograd now has a path from {@code z} to {@code a}, over which it sends a gradient to an
 * alias of {@code a} made for this call. A hook on {@code z} computes {@code (dL/dz) W} when
 * {@code dL/dz} is ready; a hook on the alias, which autograd reaches later, replaces the
 * (zero) gradient arriving there with it. The path costs a row sum of {@code a} forward and one of
 * {@code dL/dz} backward; its gradient is an expanded view, not a tensor of {@code a}'s size.
 */
final class FrozenWeightGradient {
  /**
   * The last gradient an {@link InputHook} returned on this thread: libtorch copies the returned
   * tensor after the callback, so our handle can be released only at the next callback (or with
   * its scope).
   */
  private static final ThreadLocal<Tensor> RETURNED = new ThreadLocal<>();

  private FrozenWeightGradient() {}

  /**
   * Links {@code z} (computed from {@code a} without autograd, changed only in place afterwards) to
   * {@code a}. Call after every other in-place change of {@code z}: its hook belongs to the
   * version of {@code z} it is registered on.
   *
   * @param owner the scope that owns the hooks and the gradient; must stay open until backward is
   *     done
   * @param inputGradient {@code dL/dz -> (dL/dz) W}
   */
  static void connect(Tensor z, Tensor a, PointerScope owner, UnaryOperator<Tensor> inputGradient) {
    Tensor alias = a.view_as(a);
    z.add_(alias.sum(new long[] {-1}, true, new ScalarTypeOptional()).mul(new Scalar(0.0)));
    OutputHook onOutput = new OutputHook(inputGradient, owner);
    InputHook onInput = new InputHook(onOutput);
    owner.attach(onOutput);
    owner.attach(onInput);
    z.register_hook(onOutput);
    alias.register_hook(onInput);
  }

  /**
   * Computes {@code dL/da} for this call as soon as {@code dL/dz} is ready. Must stay strongly
   * reachable while backward runs (the native side holds only a function pointer to it).
   */
  private static final class OutputHook extends VoidTensorHook {
    private final UnaryOperator<Tensor> inputGradient;
    private final PointerScope owner;
    private Tensor gradient;

    OutputHook(UnaryOperator<Tensor> inputGradient, PointerScope owner) {
      this.inputGradient = inputGradient;
      this.owner = owner;
    }

    @Override
    public void call(TensorBase outputGradient) {
      try (PointerScope local = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
        gradient = inputGradient.apply(new Tensor(outputGradient));
        owner.attach(gradient);
      } finally {
        outputGradient.close(); // the callback's own reference
      }
    }
  }

  /** Hands the gradient its {@link OutputHook} computed to {@code a}'s alias. */
  private static final class InputHook extends TensorTensorHook {
    private final OutputHook source;

    InputHook(OutputHook source) {
      this.source = source;
    }

    @Override
    public TensorBase call(TensorBase zeros) {
      zeros.close();
      Tensor gradient = source.gradient;
      if (gradient == null) {
        throw new IllegalStateException("autograd reached a frozen weight's input before its "
            + "output: the linked output was changed after FrozenWeightGradient.connect");
      }
      source.gradient = null;
      Tensor previous = RETURNED.get();
      if (previous != null) {
        previous.close(); // a no-op when its scope has already released it
      }
      RETURNED.set(gradient);
      return gradient;
    }
  }
}
