package io.dpft.core.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;

/**
 * Makes {@code z = a Wᵀ}, computed without autograd, differentiable in {@code a} with {@code W}
 * held constant: backward gives {@code a} the gradient {@code (dL/dz) W} from a function the
 * caller supplies (a oneDNN product), and nothing of {@code a} is kept for it.
 *
 * <p>Bytedeco's libtorch has no custom autograd functions, so two tensor hooks stand in for one.
 * {@code z} gets {@code 0 · Σ_j a_j} added in place: its value does not change (for finite
 * {@code a}; with an infinite or NaN entry of {@code a}, {@code a Wᵀ} would not be finite either),
 * but autograd now has a path from {@code z} to {@code a}, over which it sends a gradient to an
 * alias of {@code a} made for this call. A hook on {@code z} computes {@code (dL/dz) W} when
 * {@code dL/dz} is ready; a hook on the alias, which autograd reaches later, replaces the (zero)
 * gradient arriving there with it. The path costs a row sum of {@code a} forward and one of
 * {@code dL/dz} backward; its gradient is an expanded view, not a tensor of {@code a}'s size.
 * Each row of the gradient depends on the same row of {@code dL/dz} only, so examples stay
 * independent (what DP's per-sample clipping relies on).
 *
 * <p>Backward must run while {@code owner} is open, and {@code W} must not change in place
 * between the forward pass and backward (checked: backward fails, as it would with a tensor autograd
 * saved).
 */
final class ConstantWeightBackward {
  /**
   * The last gradient an {@link InputHook} returned on this thread: libtorch copies the returned
   * tensor after the callback, so our handle can be released only at the next callback (or with
   * its scope).
   */
  private static final ThreadLocal<Tensor> RETURNED = new ThreadLocal<>();

  private ConstantWeightBackward() {}

  /**
   * Links {@code z} (computed from {@code a} and {@code w} without autograd, changed only in place
   * afterwards) to {@code a}. Call after every other in-place change of {@code z}: its hook
   * belongs to the version of {@code z} it is registered on.
   *
   * @param w the weight, as {@code (d_out, d_in)}: its version is checked in backward, and with
   *     {@code create_graph} the gradient is {@code (dL/dz) W} by autograd instead
   * @param owner the scope that owns the hooks and the gradient; must stay open until backward is
   *     done
   * @param inputGradient {@code dL/dz -> (dL/dz) W} without autograd
   */
  static void connect(Tensor z, Tensor a, Tensor w, PointerScope owner,
      UnaryOperator<Tensor> inputGradient) {
    Tensor alias = a.view_as(a);
    z.add_(alias.sum(new long[] {-1}, true, new ScalarTypeOptional()).mul(new Scalar(0.0)));
    OutputHook onOutput = new OutputHook(w, w._version(), inputGradient, owner);
    InputHook onInput = new InputHook(onOutput);
    owner.attach(onOutput);
    owner.attach(onInput);
    z.register_hook(onOutput);
    alias.register_hook(onInput);
  }

  /**
   * Computes {@code dL/da} for this call as soon as {@code dL/dz} is ready. Must stay strongly
   * reachable while backward runs (the native side holds only a function pointer to it). An
   * exception thrown here surfaces from the backward call ({@code torch.grad}) as its error.
   */
  private static final class OutputHook extends VoidTensorHook {
    private final Tensor weight;
    private final long weightVersion;
    private final UnaryOperator<Tensor> inputGradient;
    private final PointerScope owner;
    private Tensor gradient;

    OutputHook(Tensor weight, long weightVersion, UnaryOperator<Tensor> inputGradient,
        PointerScope owner) {
      this.weight = weight;
      this.weightVersion = weightVersion;
      this.inputGradient = inputGradient;
      this.owner = owner;
    }

    @Override
    public void call(TensorBase outputGradient) {
      try (PointerScope local = new PointerScope()) {
        if (!outputGradient.defined()) {
          return; // the alias keeps autograd's zeros
        }
        if (weight._version() != weightVersion) {
          throw new IllegalStateException("a weight used in the forward pass was changed in place "
              + "before backward (an optimizer step between them?); run backward first");
        }
        Tensor g = new Tensor(outputGradient);
        if (GradMode.is_enabled()) { // create_graph: a differentiable gradient
          gradient = torch.matmul(g, weight);
        } else {
          try (NoGradGuard noGrad = new NoGradGuard()) {
            gradient = inputGradient.apply(g);
          }
        }
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
      Tensor gradient = source.gradient;
      if (gradient == null) {
        gradient = new Tensor(zeros); // dL/dz was undefined: nothing to add
      }
      zeros.close();
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
