package io.dpft.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.VoidTensorHook;

/**
 * Makes an output {@code z}, computed from inputs {@code x_1 … x_n} without autograd,
 * differentiable in them with a backward the caller writes: a custom autograd function, which
 * Bytedeco's libtorch cannot define, made of two kinds of tensor hooks. Autograd then keeps
 * nothing for {@code z}; the caller's backward keeps what it chooses (nothing of a linear map's
 * input, {@link OneDnnLinear}; the rows' log-sum-exps but nothing of size T² of attention,
 * {@link MultiHeadSelfAttention}).
 *
 * <p>{@code z} gets {@code 0 · Σ x'_j} added in place, each {@code x'_j} an alias of
 * {@code x_j} made for this call and summed over all but its first (batch) axis: the value of
 * {@code z} does not change (for finite inputs; with an infinite or NaN entry in an example, that
 * example's {@code z} would not be finite either), but autograd now has a path from {@code z} to
 * every alias. A hook on {@code z} runs the caller's backward when {@code dL/dz} is ready; a hook
 * on each alias, which autograd reaches later, replaces the (zero) gradient arriving there with
 * its part. The path costs one pass over each input forward and a sum of {@code dL/dz} backward;
 * the zeros it carries are expanded views. A term the caller still has to add to {@code z} (a
 * bias) rides along with the link, in the same pass over {@code z}. Examples stay independent
 * (what DP's per-sample clipping relies on) as long as the caller's backward keeps them so.
 *
 * <p>Backward must run while {@code owner} is open.
 */
final class HookedBackward {
  /**
   * The last gradient an {@link InputHook} returned on this thread: libtorch copies the returned
   * tensor after the callback, so our handle can be released only at the next callback (or with
   * its scope).
   */
  private static final ThreadLocal<Tensor> RETURNED = new ThreadLocal<>();

  /** The backward of one call. */
  @FunctionalInterface
  interface Backward {
    /**
     * The gradients of the inputs, in the order {@link #connect} got them, from {@code dL/dz};
     * null for an input that gets none. Runs in a scope that is closed afterwards, in grad mode
     * when backward creates a graph ({@code create_graph}), where the results must be
     * differentiable. An exception thrown here surfaces from the backward call
     * ({@code torch.grad}) as its error.
     */
    Tensor[] gradients(Tensor outputGradient);
  }

  private HookedBackward() {}

  /**
   * Links {@code z} (computed without autograd from {@code inputs}, changed only in place
   * afterwards) to those inputs that require a gradient. Call after every other in-place change of
   * {@code z}: its hook belongs to the version of {@code z} it is registered on.
   *
   * @param addend null, or a tensor that broadcasts to {@code z}'s shape, added to {@code z} here
   *     (autograd differentiates it as usual)
   * @param owner the scope that owns the hooks and the gradients; must stay open until backward is
   *     done
   * @return the per-example path added to {@code z}, {@code 0 · Σ x'_j (+ addend)}: a small
   *     tensor ({@code (B, 1, …, 1)}, or the addend's last axes) on the way from the inputs to
   *     {@code z}, so that backward passes through {@code z} when it is an input of
   *     {@code torch.grad}, and its gradient, which backward forms anyway, is {@code dL/dz} summed
   *     per example over the axes it was broadcast along (with a bias as the addend, the
   *     per-example bias gradients); null when no input requires a gradient
   */
  static Tensor connect(
      Tensor z, List<Tensor> inputs, Tensor addend, PointerScope owner, Backward backward) {
    OutputHook onOutput = new OutputHook(backward, inputs.size(), owner);
    owner.attach(onOutput);
    List<Tensor> aliases = new ArrayList<>();
    List<InputHook> hooks = new ArrayList<>();
    Tensor link = null;
    for (int j = 0; j < inputs.size(); j++) {
      Tensor x = inputs.get(j);
      if (!x.requires_grad()) {
        continue;
      }
      Tensor alias = x.view_as(x);
      // over the non-batch axes in place: flattening a transposed view (attention's heads) copies
      Tensor sum = alias.dim() == 1
          ? alias.sum(new long[] {0}, true, new ScalarTypeOptional())
          : alias.sum(LongStream.range(1, alias.dim()).toArray(), true, new ScalarTypeOptional())
              .view(batchShape(alias.size(0), (int) z.dim()));
      link = link == null ? sum : link.add(sum);
      InputHook hook = new InputHook(onOutput, j);
      owner.attach(hook);
      aliases.add(alias);
      hooks.add(hook);
    }
    if (link == null) {
      if (addend != null) {
        z.add_(addend);
      }
      return null;
    }
    Tensor path = link.mul(new Scalar(0.0));
    if (addend != null) {
      path = path.add(addend);
    }
    z.add_(path);
    z.register_hook(onOutput);
    for (int j = 0; j < aliases.size(); j++) {
      aliases.get(j).register_hook(hooks.get(j));
    }
    return path;
  }

  /** {@code (B, 1, …, 1)} of the given rank. */
  private static long[] batchShape(long batch, int rank) {
    long[] shape = new long[rank];
    Arrays.fill(shape, 1);
    shape[0] = batch;
    return shape;
  }

  /**
   * Runs the caller's backward as soon as {@code dL/dz} is ready. Must stay strongly reachable
   * while backward runs (the native side holds only a function pointer to it).
   */
  private static final class OutputHook extends VoidTensorHook {
    private final Backward backward;
    private final PointerScope owner;
    private final Tensor[] gradients;

    OutputHook(Backward backward, int inputs, PointerScope owner) {
      this.backward = backward;
      this.owner = owner;
      this.gradients = new Tensor[inputs];
    }

    @Override
    public void call(TensorBase outputGradient) {
      try (PointerScope local = new PointerScope()) {
        if (!outputGradient.defined()) {
          return; // the aliases keep autograd's zeros
        }
        Tensor[] computed = backward.gradients(new Tensor(outputGradient));
        for (int j = 0; j < gradients.length; j++) {
          if (computed[j] != null) {
            owner.attach(computed[j]);
          }
          gradients[j] = computed[j];
        }
      } finally {
        outputGradient.close(); // the callback's own reference
      }
    }
  }

  /** Hands one input's gradient, which its {@link OutputHook} computed, to the input's alias. */
  private static final class InputHook extends TensorTensorHook {
    private final OutputHook source;
    private final int index;

    InputHook(OutputHook source, int index) {
      this.source = source;
      this.index = index;
    }

    @Override
    public TensorBase call(TensorBase zeros) {
      Tensor gradient = source.gradients[index];
      if (gradient == null) {
        gradient = new Tensor(zeros); // dL/dz was undefined, or no gradient for this input
      }
      zeros.close();
      source.gradients[index] = null;
      Tensor previous = RETURNED.get();
      if (previous != null) {
        previous.close(); // a no-op when its scope has already released it
      }
      RETURNED.set(gradient);
      return gradient;
    }
  }
}
